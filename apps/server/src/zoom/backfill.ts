/**
 * Catching up from Zoom's REST API with the Server-to-Server app: on start, after the database
 * comes back from an outage, and every ZOOM_SYNC_INTERVAL_MS (Zoom stops retrying a webhook after
 * about 85 minutes). In order: the agents and their Contact Center status, queue names, the
 * account's dispositions (the wrap-up choices when Zoom has any), then the engagements since the
 * last one seen, each through the same writer and rules as a webhook (`source: 'rest'`, op ids
 * derived from the engagement, so a second backfill writes nothing). A lease in `zoom_sync`
 * keeps one node at it at a time.
 */
import { createHash } from 'node:crypto'
import { getRetentionDays } from '../store/retention.ts'
import type { Logger, Store } from '../store/port.ts'
import type { ZoomMetrics } from './metrics.ts'
import { actorFor, type SubmitOp } from './processor.ts'
import { ZoomApiError, type ZoomRestClient } from './rest-client.ts'
import { mapRestEngagement, mapRestUser } from './rest-mapping.ts'
import { applyUserStatus, ensureUsers } from './user-status.ts'

const LEASE_MS = 10 * 60_000
const DAY_MS = 24 * 3600_000
/** Zoom answers one month of engagements per query. */
const WINDOW_MS = 30 * DAY_MS
/** Engagements are listed once processed: look back over what may have finished since. */
const OVERLAP_MS = 60 * 60_000

export interface BackfillDeps {
  store: Store
  client: ZoomRestClient
  /** Our account id of the S2S app's Zoom account. */
  accountId: string
  submit: SubmitOp
  agentChanged(accountId: string, userId: string): void
  metrics: ZoomMetrics
  logger: Logger
  nodeId: string
  /** NOTES_RETENTION_DAYS: engagements that ended longer ago than the account keeps them are skipped. */
  defaultRetentionDays: number
  now?: () => number
}

export interface BackfillResult {
  users: number
  queues: number
  dispositions: number
  engagements: number
  applied: number
}

/** `yyyy-MM-dd'T'HH:mm:ss'Z'`, the form the engagements list takes (with the default UTC timezone). */
export function zoomTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function opId(parts: string): string {
  const h = createHash('sha256').update(parts).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}

export class ZoomBackfill {
  private readonly d: BackfillDeps
  private readonly now: () => number
  private running: Promise<BackfillResult | null> | undefined

  constructor(deps: BackfillDeps) {
    this.d = deps
    this.now = deps.now ?? Date.now
  }

  /** Runs a backfill unless one runs here already or another node holds the lease; null when skipped. */
  run(reason: string): Promise<BackfillResult | null> {
    this.running ??= this.runOnce(reason).finally(() => {
      this.running = undefined
    })
    return this.running
  }

  private async runOnce(reason: string): Promise<BackfillResult | null> {
    const { store, accountId, logger, nodeId } = this.d
    const lease = await store.query(
      `insert into zoom_sync (account_id, lease_owner, lease_until) values ($1, $2, now() + ($3::int * interval '1 millisecond'))
       on conflict (account_id) do update set lease_owner = excluded.lease_owner, lease_until = excluded.lease_until
       where zoom_sync.lease_until is null or zoom_sync.lease_until < now() or zoom_sync.lease_owner = excluded.lease_owner`,
      [accountId, nodeId, LEASE_MS])
    if ((lease.rowCount ?? 0) === 0) return null
    const started = this.now()
    try {
      const result = await this.steps()
      await store.query(
        `update zoom_sync set last_backfill_at = to_timestamp($2 / 1000.0), last_error = null, lease_owner = null, lease_until = null
         where account_id = $1`, [accountId, started])
      this.d.metrics.backfills.done++
      logger.info({ reason, ...result, ms: this.now() - started }, 'zoom backfill done')
      return result
    } catch (err) {
      this.d.metrics.backfills.failed++
      const message = err instanceof Error ? err.message : String(err)
      await store.query(`update zoom_sync set last_error = $2, lease_owner = null, lease_until = null where account_id = $1`, [accountId, message.slice(0, 500)])
        .catch(() => {})
      logger.warn({ reason, err: err instanceof ZoomApiError ? { message, status: err.status } : err }, 'zoom backfill failed')
      throw err
    }
  }

  private async steps(): Promise<BackfillResult> {
    const users = await this.users()
    const queues = await this.queues()
    const dispositions = await this.dispositions()
    const { engagements, applied } = await this.engagements()
    return { users, queues, dispositions, engagements, applied }
  }

  private async users(): Promise<number> {
    const { client, store, accountId } = this.d
    let n = 0
    for await (const page of client.pages('/contact_center/users', 'users', {}, 300)) {
      const now = this.now()
      const mapped = page.map((u) => mapRestUser(u, now)).filter((m) => m !== null)
      await ensureUsers(store, accountId, mapped.map((m) => m.user))
      for (const m of mapped) {
        if (await applyUserStatus(store, accountId, m.user.id, m.change)) this.d.agentChanged(accountId, m.user.id)
      }
      n += mapped.length
    }
    return n
  }

  private async queues(): Promise<number> {
    const { client, store, accountId } = this.d
    let n = 0
    for await (const page of client.pages('/contact_center/queues', 'queues')) {
      const rows = page.flatMap((q) => {
        const id = typeof q['cc_queue_id'] === 'string' ? q['cc_queue_id'] : typeof q['queue_id'] === 'string' ? q['queue_id'] : null
        const name = typeof q['queue_name'] === 'string' ? q['queue_name'] : null
        return id && name ? [{ id, name }] : []
      })
      if (rows.length === 0) continue
      await store.query(
        `insert into zoom_queues (account_id, queue_id, queue_name)
         select $1, k.id, k.name from jsonb_to_recordset($2::jsonb) as k(id text, name text)
         on conflict (account_id, queue_id) do update set queue_name = excluded.queue_name, updated_at = now()
         where zoom_queues.queue_name is distinct from excluded.queue_name`,
        [accountId, JSON.stringify(rows)])
      n += rows.length
    }
    return n
  }

  private async dispositions(): Promise<number> {
    const { client, store, accountId } = this.d
    const names: string[] = []
    for await (const page of client.pages('/contact_center/dispositions', 'dispositions')) {
      for (const d of page) {
        const name = d['disposition_name']
        if (typeof name === 'string' && name.length <= 256 && d['status'] !== 'inactive' && !names.includes(name)) names.push(name)
      }
    }
    await store.query('update zoom_sync set dispositions = $2::jsonb where account_id = $1', [accountId, JSON.stringify(names)])
    return names.length
  }

  /**
   * The window to list: from the newest engagement start seen before (less an hour, as Zoom lists
   * an engagement only once processed) or the last backfill, whichever is earlier, and never
   * after the start of an engagement we still show live; a first backfill looks a day back.
   */
  private async window(): Promise<{ from: number; to: number }> {
    const res = await this.d.store.query<{ last: number | string | null; done: number | string | null; live: number | string | null }>(
      `select (extract(epoch from s.last_engagement_at) * 1000)::int8 as last, (extract(epoch from s.last_backfill_at) * 1000)::int8 as done,
              (extract(epoch from (select min(started_at) from engagements
                                   where account_id = $1 and ended_at is null and last_seq > 0)) * 1000)::int8 as live
       from (select 1) one left join zoom_sync s on s.account_id = $1`,
      [this.d.accountId])
    const to = this.now()
    const row = res.rows[0]
    const num = (v: number | string | null | undefined) => (v == null ? null : Number(v))
    const seen = [num(row?.last), num(row?.done)].filter((x): x is number => x !== null).map((x) => x - OVERLAP_MS)
    const live = num(row?.live)
    const from = Math.min(seen.length > 0 ? Math.min(...seen) : to - DAY_MS, live ?? Infinity)
    return { from: Math.max(from, to - 3 * WINDOW_MS), to }
  }

  /**
   * What must not come back: engagements erased (by an admin, or the retention purge) since the
   * window's start, and any that ended before the account's retention cutoff.
   */
  private async keepOut(from: number): Promise<{ erased: Set<string>; cutoff: number }> {
    const { store, accountId } = this.d
    const res = await store.query<{ id: string }>(
      `select distinct unnest(engagement_ids) as id from erasures where account_id = $1 and created_at >= to_timestamp($2 / 1000.0)`,
      [accountId, from - DAY_MS])
    const days = (await getRetentionDays(store, accountId)) ?? this.d.defaultRetentionDays
    return { erased: new Set(res.rows.map((r) => r.id)), cutoff: this.now() - days * DAY_MS }
  }

  private async engagements(): Promise<{ engagements: number; applied: number }> {
    const { client, store, accountId, submit } = this.d
    const { from, to } = await this.window()
    const keepOut = await this.keepOut(from)
    let seen = 0
    let applied = 0
    let newest: number | null = null
    for (let start = from; start < to; start += WINDOW_MS) {
      const end = Math.min(to, start + WINDOW_MS)
      for await (const page of client.pages('/contact_center/engagements', 'engagements', { from: zoomTime(start), to: zoomTime(end) })) {
        for (const item of page) {
          const m = mapRestEngagement(item)
          if (!m || keepOut.erased.has(m.engagementId) || m.endedAt < keepOut.cutoff) continue
          seen++
          if (m.startedAt !== null && (newest === null || m.startedAt > newest)) newest = m.startedAt
          await ensureUsers(store, accountId, m.users)
          const actor = actorFor(accountId, { kind: 'engagement', engagementId: m.engagementId, actor: m.actor, cmd: m.commands[0]! }, 'rest')
          for (const [i, command] of m.commands.entries()) {
            const answer = await submit({ opId: opId(`zoom-rest\0${accountId}\0${m.engagementId}\0${i}`), actor, command })
            if (!answer.ok && ['UNAVAILABLE', 'SHUTTING_DOWN'].includes(answer.code)) throw new Error(`the writer is unavailable (${answer.code})`)
            if (answer.ok && !answer.duplicate) applied++
          }
        }
      }
    }
    if (newest !== null) {
      await store.query(
        `update zoom_sync set last_engagement_at = greatest(coalesce(last_engagement_at, to_timestamp(0)), to_timestamp($2 / 1000.0))
         where account_id = $1`, [accountId, newest])
    }
    return { engagements: seen, applied }
  }
}
