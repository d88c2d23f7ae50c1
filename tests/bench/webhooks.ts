/**
 * Webhook → board latency for `npm run bench`: signed Zoom Contact Center webhooks posted to a
 * server node at a steady rate while the rest of the workload runs, and a supervisor board (a
 * SyncClient of its own, on another node when there are two) that watches for them. Each sample
 * is from just before the POST of `engagement_user_answered` for a new engagement (its agent has
 * no app open) to the `board.delta` that shows it; `engagement_ended` two seconds later, to the
 * delta that removes it. The server's own view of the first half is its
 * `switchboard_webhook_to_board_seconds` histogram.
 */
import { createHmac, randomBytes } from 'node:crypto'
import type { ServerMessage } from '@switchboard/protocol'
import type { SyncClient } from '@switchboard/protocol/sync-client'
import { zoomEngagementEvent, ZOOM_WEBHOOK_PATH, type ZoomEngagementEvent } from '@switchboard/protocol/zoom-webhooks'
import { connectClient } from './fleet.ts'
import { Samples, type Summary } from './hist.ts'
import { sleep } from './limit.ts'
import { fetchMetrics } from './metrics.ts'
import type { SeedUser } from './pgdb.ts'
import type { ServerNode } from './servers.ts'

export interface WebhookResult {
  ratePerSecond: number
  seconds: number
  sent: number
  /** answers other than `accepted`, by outcome or HTTP status */
  notAccepted: Record<string, number>
  answeredToBoardMs: Summary
  endedToBoardMs: Summary
  /** POST → the server's 200 (verified and persisted) */
  postAnsweredMs: Summary
  /**
   * The server's own `switchboard_webhook_to_board_seconds` over the run (receipt to commit; the
   * board frame follows within one BOARD_TICK_MS): upper bounds of the buckets holding p50/p99.
   */
  serverApplyMs: { p50: number | null; p99: number | null; count: number }
  /** answered engagements the board never showed within 10 s */
  missing: number
}

/** The secret the bench's servers verify webhooks with (ZOOM_WEBHOOK_SECRET_TOKEN). */
export const BENCH_WEBHOOK_SECRET = randomBytes(24).toString('base64url')

const AGENTS = 50
const END_AFTER_MS = 2000

export function webhookUsers(accountId: string, runId: string): SeedUser[] {
  return [{ accountId, id: `wh-sup-${runId}`, name: 'Webhook board', role: 'supervisor' }]
}

function sign(raw: string): Record<string, string> {
  const ts = String(Math.floor(Date.now() / 1000))
  return {
    'content-type': 'application/json; charset=utf-8',
    'x-zm-request-timestamp': ts,
    'x-zm-signature': `v0=${createHmac('sha256', BENCH_WEBHOOK_SECRET).update(`v0:${ts}:${raw}`).digest('hex')}`,
  }
}

export class WebhookLoad {
  readonly #target: ServerNode
  readonly #boardNode: ServerNode
  readonly #sessionSecret: string
  readonly #accountId: string
  readonly #runId: string
  readonly #rate: number
  #board: SyncClient | null = null
  readonly #answered = new Map<string, number>()
  readonly #ended = new Map<string, number>()
  readonly #answeredMs = new Samples()
  readonly #endedMs = new Samples()
  readonly #postMs = new Samples()
  readonly #notAccepted: Record<string, number> = {}
  readonly #pending = new Set<Promise<void>>()
  #sent = 0

  constructor(o: { target: ServerNode; board: ServerNode; sessionSecret: string; accountId: string; runId: string; ratePerSecond: number }) {
    this.#target = o.target
    this.#boardNode = o.board
    this.#sessionSecret = o.sessionSecret
    this.#accountId = o.accountId
    this.#runId = o.runId
    this.#rate = o.ratePerSecond
  }

  async connect(): Promise<void> {
    const u = webhookUsers(this.#accountId, this.#runId)[0]!
    const board = await connectClient({
      wsUrl: this.#boardNode.wsUrl, origin: this.#boardNode.url, secret: this.#sessionSecret, accountId: u.accountId, userId: u.id,
      name: u.name, role: 'supervisor', clientId: `bench-${u.id}`, surface: 'supervisor',
    })
    board.on('message', (m) => this.#onBoard(m))
    board.subscribeBoard()
    this.#board = board
  }

  #onBoard(m: ServerMessage): void {
    if (m.type !== 'board.delta') return
    const now = performance.now()
    for (const e of m.engagements) {
      const t = this.#answered.get(e.id)
      if (t !== undefined && e.state === 'active') {
        this.#answeredMs.add(now - t)
        this.#answered.delete(e.id)
      }
    }
    for (const id of m.removedEngagements) {
      const t = this.#ended.get(id)
      if (t !== undefined) {
        this.#endedMs.add(now - t)
        this.#ended.delete(id)
      }
    }
  }

  async #post(event: ZoomEngagementEvent, engagementId: string, agent: number, sentAt: Map<string, number>): Promise<void> {
    const body = zoomEngagementEvent(event, this.#accountId, {
      engagementId, userId: `wh-agent-${this.#runId}-${agent}`, userName: `Zoom Agent ${agent}`, at: Date.now(),
      channel: 'voice', queueId: 'q-zoom', queueName: 'Zoom queue', consumer: { name: `Caller ${engagementId.slice(-4)}` },
    })
    const raw = JSON.stringify(body)
    const t0 = performance.now()
    sentAt.set(engagementId, t0)
    this.#sent++
    try {
      const res = await fetch(this.#target.url + ZOOM_WEBHOOK_PATH, { method: 'POST', body: raw, headers: sign(raw) })
      const answer = (await res.json().catch(() => null)) as { outcome?: string } | null
      this.#postMs.add(performance.now() - t0)
      if (answer?.outcome !== 'accepted') {
        const k = answer?.outcome ?? `HTTP ${res.status}`
        this.#notAccepted[k] = (this.#notAccepted[k] ?? 0) + 1
        sentAt.delete(engagementId)
      }
    } catch (err) {
      const k = (err as Error).message.slice(0, 60)
      this.#notAccepted[k] = (this.#notAccepted[k] ?? 0) + 1
      sentAt.delete(engagementId)
    }
  }

  #track(p: Promise<void>): void {
    this.#pending.add(p)
    void p.finally(() => this.#pending.delete(p))
  }

  /** Posts one new engagement every 1/rate seconds for `seconds`, each ended two seconds later. */
  async run(seconds: number): Promise<WebhookResult> {
    const before = histogram(await fetchMetrics(this.#target.url))
    const every = 1000 / this.#rate
    const start = performance.now()
    let n = 0
    while (performance.now() - start < seconds * 1000) {
      const id = `wh-${this.#runId}-${n}`
      const agent = n % AGENTS
      this.#track(this.#post('engagement_user_answered', id, agent, this.#answered))
      this.#track(sleep(END_AFTER_MS).then(() => this.#post('engagement_ended', id, agent, this.#ended)))
      n++
      const next = start + n * every
      const wait = next - performance.now()
      if (wait > 0) await sleep(wait)
    }
    while (this.#pending.size > 0) await Promise.all([...this.#pending])
    // Stragglers: give the board up to 10 s more.
    const deadline = performance.now() + 10_000
    while ((this.#answered.size > 0 || this.#ended.size > 0) && performance.now() < deadline) await sleep(100)
    const after = histogram(await fetchMetrics(this.#target.url))
    return {
      ratePerSecond: this.#rate, seconds, sent: this.#sent, notAccepted: this.#notAccepted,
      answeredToBoardMs: this.#answeredMs.summary(), endedToBoardMs: this.#endedMs.summary(), missing: this.#answered.size,
      postAnsweredMs: this.#postMs.summary(), serverApplyMs: quantiles(before, after),
    }
  }

  close(): void {
    this.#board?.close()
  }
}

/** Cumulative bucket counts of `switchboard_webhook_to_board_seconds` by upper bound (seconds). */
function histogram(text: string | null): Map<number, number> {
  const out = new Map<number, number>()
  for (const m of (text ?? '').matchAll(/^switchboard_webhook_to_board_seconds_bucket\{([^}]*)\}\s+(\d+)/gm)) {
    const le = /le="([^"]+)"/.exec(m[1]!)?.[1]
    if (le) out.set(le === '+Inf' ? Infinity : Number(le), (out.get(le === '+Inf' ? Infinity : Number(le)) ?? 0) + Number(m[2]))
  }
  return out
}

function quantiles(before: Map<number, number>, after: Map<number, number>): WebhookResult['serverApplyMs'] {
  const bounds = [...after.keys()].sort((a, b) => a - b)
  const count = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0)
  const at = (q: number): number | null => {
    if (count <= 0) return null
    for (const b of bounds) if ((after.get(b) ?? 0) - (before.get(b) ?? 0) >= q * count) return b === Infinity ? null : Math.round(b * 1000)
    return null
  }
  return { p50: at(0.5), p99: at(0.99), count }
}

const ms = (v: number | null) => (v === null ? 'n/a' : `${v} ms`)

/** The report's section. */
export function webhookRows(r: WebhookResult): string[] {
  const lat = (label: string, s: Summary) => `| ${label} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} | ${ms(s.max)} | ${s.count} |`
  const refused = Object.entries(r.notAccepted)
  return [
    '', '## Zoom webhook → supervisor board', '',
    `${r.ratePerSecond} signed Contact Center webhooks/s for ${r.seconds} s during the cadence phase (an engagement answered with no agent app open, ended 2 s later), on a board of another node when there are two.`, '',
    '| latency | p50 | p95 | p99 | max | samples |',
    '| --- | --- | --- | --- | --- | --- |',
    lat('engagement_user_answered → on the board', r.answeredToBoardMs),
    lat('engagement_ended → off the board', r.endedToBoardMs),
    lat('POST → 200 (verified, persisted)', r.postAnsweredMs),
    `| server: receipt → commit (its histogram, bucket bounds) | ≤ ${ms(r.serverApplyMs.p50)} | | ≤ ${ms(r.serverApplyMs.p99)} | | ${r.serverApplyMs.count} |`,
    '',
    `Sent ${r.sent}; not accepted: ${refused.length === 0 ? 'none' : refused.map(([k, v]) => `${k} ${v}`).join(', ')}; never on the board: ${r.missing}.`,
  ]
}
