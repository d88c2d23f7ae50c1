/**
 * Counters for Zoom's webhooks and REST calls, registered in the engine's prom-client registry
 * (`/metrics`). Call sites bump plain fields (`metrics.received.accepted++`), read when scraped.
 * The time from a webhook's receipt to its change on the boards goes to the engine's
 * `switchboard_webhook_to_board_seconds` (`onApplied`).
 */
import { Counter, type Registry } from 'prom-client'

export const RECEIVED_OUTCOMES = [
  'accepted', 'duplicate', 'url_validation', 'unknown_event', 'unknown_account', 'unusable',
  'bad_signature', 'bad_timestamp', 'bad_json', 'too_large', 'disabled', 'unavailable',
] as const
export type ReceivedOutcome = (typeof RECEIVED_OUTCOMES)[number]

export const PROCESSED_OUTCOMES = ['applied', 'unchanged', 'ignored', 'refused', 'failed', 'retry'] as const
export type ProcessedOutcome = (typeof PROCESSED_OUTCOMES)[number]

const REST_OUTCOMES = ['ok', 'retried', 'rate_limited', 'failed'] as const

function counters<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>
}

export class ZoomMetrics {
  readonly received = counters(RECEIVED_OUTCOMES)
  readonly processed = counters(PROCESSED_OUTCOMES)
  /** REST requests by outcome: ok, retried (5xx/network), rate_limited (429), failed. */
  readonly rest = counters(REST_OUTCOMES)
  readonly backfills = counters(['done', 'failed'] as const)
  tokenFetches = 0
  private readonly observe: (ms: number) => void

  /** `onApplied`: a delivery's op committed `ms` after the webhook arrived (its board frame leaves within one tick). */
  constructor(opts: { registry?: Registry; onApplied?: (ms: number) => void } = {}) {
    this.observe = opts.onApplied ?? (() => {})
    const registry = opts.registry
    if (!registry) return
    const labelled = <K extends string>(name: string, help: string, label: string, values: Record<K, number>) =>
      registry.registerMetric(new Counter({
        name, help, labelNames: [label], registers: [],
        collect() {
          this.reset()
          for (const [k, v] of Object.entries(values)) this.inc({ [label]: k }, v as number)
        },
      }))
    labelled('switchboard_zoom_webhooks_received_total', 'Zoom webhook requests, by how they were answered.', 'outcome', this.received)
    labelled('switchboard_zoom_webhooks_processed_total', 'Accepted Zoom deliveries, by what they did (retry: left for the next sweep).', 'outcome', this.processed)
    labelled('switchboard_zoom_rest_requests_total', 'Zoom REST requests, by outcome.', 'outcome', this.rest)
    labelled('switchboard_zoom_backfills_total', 'Zoom REST backfills, by result.', 'result', this.backfills)
    const tokens = (): number => this.tokenFetches
    registry.registerMetric(new Counter({
      name: 'switchboard_zoom_s2s_tokens_total', help: 'Server-to-Server OAuth tokens fetched (about one an hour when cached).', registers: [],
      collect() {
        this.reset()
        this.inc(tokens())
      },
    }))
  }

  applied(ms: number): void {
    this.observe(ms)
  }
}
