/**
 * Retention and erasure of customer personal data. Notes, wrap-up, whispers and consumer details
 * live in an engagement's log rows, its notes document (snapshot, plain text, search entry) and
 * its projection; erasing an engagement deletes all three in one transaction and leaves an audit
 * row (`erasures`) without the content.
 *
 * Retention: an engagement expires `retentionDays` after it ended (or, never ended, after its last
 * change). `purgeExpired` removes expired engagements in small batches, one short transaction
 * each, taking only rows no writer holds (`skip locked`), so live traffic never waits for it.
 * Each batch first takes a transaction-level advisory lock: when another node is purging, this
 * one stops for the round, so one purger works at a time however many nodes run it.
 */
import type { Erasure } from '@switchboard/protocol'
import type { Db, Store } from './port.ts'

/** Advisory lock key of the retention purge ("sbpurge" in ASCII, as a bigint). */
export const PURGE_LOCK_KEY = '8314331511812220160'

export type ErasureReason = Erasure['reason']

/** An erased engagement: account, id, and the agent whose sessions followed it. */
export type ErasedKey = [accountId: string, engagementId: string, agentId: string]

export interface ErasureResult {
  erasure: Erasure
  keys: ErasedKey[]
}

interface Settings { retentionDays?: unknown }

/** The account's own retention period, or null when it follows the default. */
export async function getRetentionDays(db: Db, accountId: string): Promise<number | null> {
  const res = await db.query<{ settings: Settings }>('select settings from accounts where id = $1', [accountId])
  const days = res.rows[0]?.settings.retentionDays
  return typeof days === 'number' && Number.isInteger(days) && days >= 1 ? days : null
}

/** Sets (or, null, clears) the account's retention period. */
export async function setRetentionDays(db: Db, accountId: string, days: number | null): Promise<void> {
  await db.query(
    days === null
      ? `update accounts set settings = settings - 'retentionDays' where id = $1`
      : `update accounts set settings = jsonb_set(settings, '{retentionDays}', to_jsonb($2::int), true) where id = $1`,
    days === null ? [accountId] : [accountId, days])
}

/** Digits only: "+1 (555) 010-9999" and "15550109999" are the same number. */
export function normalizeNumber(raw: string): string {
  return raw.replace(/\D/g, '')
}

/**
 * Deletes everything about these engagements of one account (log rows, notes document with its
 * snapshot and search entry, presence focus, Zoom's webhook deliveries about them, projection) and
 * records the audit row, in `tx`.
 * The projection rows are locked first in the writers' order, so a batch in flight finishes first.
 */
export async function eraseEngagements(
  tx: Db, accountId: string, ids: readonly string[], reason: ErasureReason, requestedBy: string | null,
): Promise<ErasureResult> {
  const sorted = [...new Set(ids)].sort()
  const locked = await tx.query<{ id: string; agent_id: string }>(
    `select id, agent_id from engagements where account_id = $1 and id = any($2::text[]) order by id for update`,
    [accountId, sorted])
  const found = locked.rows.map((r) => r.id)
  const counts = await tx.query<{ events: string; documents: string; engagements: string }>(
    `with ev as (delete from engagement_events where account_id = $1 and engagement_id = any($2::text[]) returning 1),
          docs as (delete from notes_docs where account_id = $1 and engagement_id = any($2::text[]) returning 1),
          focus as (update presence set focus_engagement_id = null, focus_at = null
                    where account_id = $1 and focus_engagement_id = any($2::text[]) returning 1),
          zoom as (delete from zoom_webhook_deliveries where account_id = $1 and engagement_id = any($2::text[]) returning 1),
          engs as (delete from engagements where account_id = $1 and id = any($2::text[]) returning 1)
     select (select count(*) from ev) as events, (select count(*) from docs) as documents,
            (select count(*) from engs) as engagements, (select count(*) from focus) as focus`,
    [accountId, found])
  const c = counts.rows[0]!
  const audit = await tx.query<ErasureRow>(
    `insert into erasures (account_id, reason, requested_by, engagement_ids, engagements, events, documents)
     values ($1, $2, $3, $4::text[], $5, $6, $7) returning ${ERASURE_COLUMNS}`,
    [accountId, reason, requestedBy, found, Number(c.engagements), Number(c.events), Number(c.documents)])
  return { erasure: toErasure(audit.rows[0]!), keys: locked.rows.map((r) => [accountId, r.id, r.agent_id]) }
}

/**
 * Engagements of the account where this consumer number appears: in the projection's consumers,
 * or anywhere in any log row (an earlier status may have named another party; observe rows keep
 * consumers in `data.status`, status rows in `data.changes`, Zoom's rows wherever their mapping
 * puts them), so the search does not depend on each row kind's shape.
 */
export async function engagementsOfConsumer(db: Db, accountId: string, number: string): Promise<string[]> {
  const res = await db.query<{ id: string }>(
    `select e.id from engagements e
     where e.account_id = $1 and (
       exists (select 1 from jsonb_array_elements(e.consumers) c
               where regexp_replace(coalesce(c->>'consumerNumber', ''), '\\D', '', 'g') = $2)
       or exists (select 1 from engagement_events ev
                  cross join lateral jsonb_path_query(ev.data, 'lax $.**.consumerNumber') n
                  where ev.account_id = e.account_id and ev.engagement_id = e.id
                    and jsonb_typeof(n) = 'string'
                    and regexp_replace(n #>> '{}', '\\D', '', 'g') = $2))
     order by e.id`,
    [accountId, number])
  return res.rows.map((r) => r.id)
}

const ERASURE_COLUMNS = 'id, reason, requested_by, engagement_ids, engagements, events, documents, created_at'

interface ErasureRow {
  id: string
  reason: ErasureReason
  requested_by: string | null
  engagement_ids: string[]
  engagements: number
  events: number
  documents: number
  created_at: Date | string
}

function toErasure(r: ErasureRow): Erasure {
  return {
    id: String(r.id), reason: r.reason, requestedBy: r.requested_by, engagementIds: r.engagement_ids,
    engagements: r.engagements, events: r.events, documents: r.documents, createdAt: new Date(r.created_at).getTime(),
  }
}

/** The account's erasures, newest first. */
export async function listErasures(db: Db, accountId: string, limit = 100): Promise<Erasure[]> {
  const res = await db.query<ErasureRow>(
    `select ${ERASURE_COLUMNS} from erasures where account_id = $1 order by created_at desc, id desc limit $2`,
    [accountId, limit])
  return res.rows.map(toErasure)
}

export interface PurgeOptions {
  /** `NOTES_RETENTION_DAYS`: for accounts without their own period */
  defaultDays: number
  /** engagements per transaction */
  batchSize?: number
  /** pause between batches, so live traffic keeps the database */
  pauseMs?: number
  now?: Date
  /** called inside each batch's transaction (the bus NOTIFY goes out with its COMMIT) */
  publish?: (tx: Db, keys: ErasedKey[]) => Promise<void>
  /** called after each batch commits (this node forgets hot docs and subscriptions) */
  committed?: (keys: ErasedKey[]) => void
  /** checked between batches: stop early (shutdown) */
  stopped?: () => boolean
}

export interface PurgeOutcome {
  /** false when another node held the purge lock */
  ran: boolean
  engagements: number
  events: number
  documents: number
  batches: number
}

/**
 * One purge round: every account's expired engagements, `batchSize` per transaction. Stops for
 * the round when another node holds the lock.
 */
export async function purgeExpired(store: Store, o: PurgeOptions): Promise<PurgeOutcome> {
  const out: PurgeOutcome = { ran: true, engagements: 0, events: 0, documents: 0, batches: 0 }
  const now = o.now ?? new Date()
  const batchSize = o.batchSize ?? 100
  const accounts = await store.query<{ id: string; days: number | null }>(
    `select id, case when jsonb_typeof(settings->'retentionDays') = 'number' then (settings->>'retentionDays')::int end as days
     from accounts order by id`)
  for (const account of accounts.rows) {
    const cutoff = new Date(now.getTime() - (account.days ?? o.defaultDays) * 86_400_000)
    for (;;) {
      if (o.stopped?.()) return out
      const batch = await store.transaction(async (tx) => {
        const lock = await tx.query<{ ok: boolean }>(`select pg_try_advisory_xact_lock(${PURGE_LOCK_KEY}::bigint) as ok`)
        if (!lock.rows[0]?.ok) return null
        // Ended before the cutoff (index engagements_closed), or never ended and quiet since then
        // (the live ones: engagements_agent_live). Rows a writer holds are skipped, not waited for.
        const expired = await tx.query<{ id: string }>(
          `(select id from engagements where account_id = $1 and ended_at < $2 limit $3)
           union all
           (select id from engagements where account_id = $1 and ended_at is null and updated_at < $2 limit $3)`,
          [account.id, cutoff, batchSize])
        const ids = expired.rows.map((r) => r.id).slice(0, batchSize)
        if (ids.length === 0) return { keys: [] as ErasedKey[], erasure: null }
        const free = await tx.query<{ id: string }>(
          `select id from engagements where account_id = $1 and id = any($2::text[]) order by id for update skip locked`,
          [account.id, ids])
        if (free.rows.length === 0) return { keys: [] as ErasedKey[], erasure: null }
        const result = await eraseEngagements(tx, account.id, free.rows.map((r) => r.id), 'retention', null)
        await o.publish?.(tx, result.keys)
        return result
      })
      if (batch === null) return { ...out, ran: false }
      if (!batch.erasure) break
      out.batches++
      out.engagements += batch.erasure.engagements
      out.events += batch.erasure.events
      out.documents += batch.erasure.documents
      o.committed?.(batch.keys)
      if (batch.keys.length < batchSize) break
      await new Promise((r) => setTimeout(r, o.pauseMs ?? 50))
    }
  }
  return out
}
