/**
 * Counters for Zoom's webhooks and REST calls, rendered into `/metrics` (Prometheus text).
 * Receiver outcomes (why a delivery was answered as it was), processing outcomes (what a
 * delivery did), and the time from receipt to commit of what it changed.
 */

export const RECEIVED_OUTCOMES = [
  'accepted', 'duplicate', 'url_validation', 'unknown_event', 'unknown_account', 'unusable',
  'bad_signature', 'bad_timestamp', 'bad_json', 'too_large', 'disabled', 'unavailable',
] as const
export type ReceivedOutcome = (typeof RECEIVED_OUTCOMES)[number]

export const PROCESSED_OUTCOMES = ['applied', 'unchanged', 'ignored', 'refused', 'failed', 'retry'] as const
export type ProcessedOutcome = (typeof PROCESSED_OUTCOMES)[number]

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

function counters<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>
}

export class ZoomMetrics {
  readonly received = counters(RECEIVED_OUTCOMES)
  readonly processed = counters(PROCESSED_OUTCOMES)
  /** REST requests by outcome: ok, retried (5xx/network), rate_limited (429), failed. */
  readonly rest = counters(['ok', 'retried', 'rate_limited', 'failed'] as const)
  backfills = 0
  backfillFailures = 0
  tokenFetches = 0
  private readonly bucketCounts = new Array<number>(LATENCY_BUCKETS.length).fill(0)
  private latencySum = 0
  private latencyCount = 0

  /** Receipt of a webhook to the commit of the op it mapped to. */
  applied(ms: number): void {
    const s = ms / 1000
    this.latencySum += s
    this.latencyCount++
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) if (s <= LATENCY_BUCKETS[i]!) this.bucketCounts[i]!++
  }

  render(nodeId: string): string {
    const node = `node="${nodeId.replace(/["\\\n]/g, '_')}"`
    const lines: string[] = [
      '# HELP switchboard_zoom_webhooks_received_total Zoom webhook requests by how they were answered.',
      '# TYPE switchboard_zoom_webhooks_received_total counter',
      ...Object.entries(this.received).map(([k, v]) => `switchboard_zoom_webhooks_received_total{${node},outcome="${k}"} ${v}`),
      '# HELP switchboard_zoom_webhooks_processed_total Accepted Zoom deliveries by what they did.',
      '# TYPE switchboard_zoom_webhooks_processed_total counter',
      ...Object.entries(this.processed).map(([k, v]) => `switchboard_zoom_webhooks_processed_total{${node},outcome="${k}"} ${v}`),
      '# HELP switchboard_zoom_webhook_apply_seconds From receipt of a webhook to the commit of its op (boards get it within one BOARD_TICK_MS).',
      '# TYPE switchboard_zoom_webhook_apply_seconds histogram',
    ]
    LATENCY_BUCKETS.forEach((b, i) => lines.push(`switchboard_zoom_webhook_apply_seconds_bucket{${node},le="${b}"} ${this.bucketCounts[i]}`))
    lines.push(
      `switchboard_zoom_webhook_apply_seconds_bucket{${node},le="+Inf"} ${this.latencyCount}`,
      `switchboard_zoom_webhook_apply_seconds_sum{${node}} ${this.latencySum}`,
      `switchboard_zoom_webhook_apply_seconds_count{${node}} ${this.latencyCount}`,
      '# HELP switchboard_zoom_rest_requests_total Zoom REST requests by outcome.',
      '# TYPE switchboard_zoom_rest_requests_total counter',
      ...Object.entries(this.rest).map(([k, v]) => `switchboard_zoom_rest_requests_total{${node},outcome="${k}"} ${v}`),
      '# HELP switchboard_zoom_backfills_total REST backfills run, and how many failed.',
      '# TYPE switchboard_zoom_backfills_total counter',
      `switchboard_zoom_backfills_total{${node},result="done"} ${this.backfills}`,
      `switchboard_zoom_backfills_total{${node},result="failed"} ${this.backfillFailures}`,
      '# HELP switchboard_zoom_s2s_tokens_total Server-to-Server OAuth tokens fetched (one per hour when cached).',
      '# TYPE switchboard_zoom_s2s_tokens_total counter',
      `switchboard_zoom_s2s_tokens_total{${node}} ${this.tokenFetches}`,
    )
    return lines.join('\n') + '\n'
  }
}
