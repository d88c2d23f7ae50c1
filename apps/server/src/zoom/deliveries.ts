/**
 * The delivery table (migration 0016): every accepted event notification is persisted before
 * Zoom gets its answer, keyed so Zoom's retries insert nothing. Functions take the executor first.
 */
import type { Db } from '../store/port.ts'
import { objectTime } from './events.ts'

export interface Delivery {
  accountId: string
  key: string
  event: string
  eventTs: number
  engagementId: string | null
  userId: string | null
  object: Record<string, unknown>
  /** epoch ms, our clock */
  receivedAt: number
  /** Read when it was stored (the receiver); a delivery picked up by a sweep reads it then. */
  history?: EngagementHistory | null
}

export type DeliveryOutcome = 'applied' | 'duplicate' | 'ignored' | 'refused' | 'failed'

/**
 * Inserts deliveries in one statement and, in the same round trip, reads each one's engagement
 * history (see `engagementHistories`; deliveries of the same statement do not see each other).
 * For each: `inserted` false when the same key is already there (a retried or replayed delivery,
 * or the same one twice in the list).
 */
export async function insertDeliveries(
  db: Db, list: readonly Delivery[], stateEvents: readonly string[],
): Promise<{ inserted: boolean; history: EngagementHistory | null }[]> {
  const res = await db.query<HistoryRow & { n: number; inserted: boolean }>(
    `with q as (select * from jsonb_to_recordset($1::jsonb) as q(n int, a text, k text, ev text, ts int8, e text, u text, o jsonb, r float8)),
     ins as (
       insert into zoom_webhook_deliveries (account_id, delivery_key, event, event_ts, engagement_id, user_id, object, received_at, claimed_at)
       select q.a, q.k, q.ev, q.ts, q.e, q.u, q.o, to_timestamp(q.r / 1000.0), now() from q order by q.n
       on conflict do nothing
       returning account_id, delivery_key)
     select q.n, exists (select 1 from ins where ins.account_id = q.a and ins.delivery_key = q.k) as inserted, ${HISTORY_COLUMNS}
     from q ${HISTORY_JOIN}`,
    [JSON.stringify(list.map((d, n) => ({ n, a: d.accountId, k: d.key, ev: d.event, ts: d.eventTs, e: d.engagementId, u: d.userId, o: d.object, r: d.receivedAt }))), stateEvents])
  const out = list.map(() => ({ inserted: false, history: null as EngagementHistory | null }))
  for (const row of res.rows) out[Number(row.n)] = { inserted: row.inserted, history: list[Number(row.n)]!.engagementId ? historyOf(row) : null }
  // The same delivery twice in one batch: only the first is new.
  const seen = new Set<string>()
  list.forEach((d, i) => {
    const k = `${d.accountId}\0${d.key}`
    if (seen.has(k)) out[i]!.inserted = false
    seen.add(k)
  })
  return out
}

export async function markProcessed(db: Db, list: readonly { accountId: string; key: string; outcome: DeliveryOutcome }[]): Promise<void> {
  if (list.length === 0) return
  await db.query(
    `update zoom_webhook_deliveries d set processed_at = now(), outcome = k.o
     from jsonb_to_recordset($1::jsonb) as k(a text, k text, o text)
     where d.account_id = k.a and d.delivery_key = k.k`,
    [JSON.stringify(list.map((x) => ({ a: x.accountId, k: x.key, o: x.outcome })))])
}

interface DeliveryRow {
  account_id: string; delivery_key: string; event: string; event_ts: string | number; engagement_id: string | null
  user_id: string | null; object: Record<string, unknown>; received_at: number | string
}

function fromRow(r: DeliveryRow): Delivery {
  return {
    accountId: r.account_id, key: r.delivery_key, event: r.event, eventTs: Number(r.event_ts), engagementId: r.engagement_id,
    userId: r.user_id, object: r.object, receivedAt: Number(r.received_at),
  }
}

/**
 * Claims unprocessed deliveries whose last claim is older than `staleMs` (their node crashed
 * or failed to process them), oldest first; the claim is a lease so two nodes rarely do the
 * same work (doing it twice is harmless: every op is idempotent).
 */
export async function claimPending(db: Db, staleMs: number, limit: number): Promise<Delivery[]> {
  const res = await db.query<DeliveryRow>(
    `update zoom_webhook_deliveries d set claimed_at = now(), attempts = d.attempts + 1
     from (select account_id, delivery_key from zoom_webhook_deliveries
           where processed_at is null and (claimed_at is null or claimed_at < now() - ($1::int * interval '1 millisecond'))
           order by received_at limit $2 for update skip locked) p
     where d.account_id = p.account_id and d.delivery_key = p.delivery_key
     returning d.account_id, d.delivery_key, d.event, d.event_ts, d.engagement_id, d.user_id, d.object,
       (extract(epoch from d.received_at) * 1000)::int8 as received_at`,
    [staleMs, limit])
  return res.rows.map(fromRow).sort((a, b) => a.receivedAt - b.receivedAt)
}

/** Deliveries that keep failing are given up after this many attempts (marked failed). */
export async function giveUp(db: Db, maxAttempts: number): Promise<number> {
  const res = await db.query(
    `update zoom_webhook_deliveries set processed_at = now(), outcome = 'failed'
     where processed_at is null and attempts >= $1`, [maxAttempts])
  return res.rowCount ?? 0
}

export interface EngagementHistory {
  startedAt: number | null
  stateSuperseded: boolean
  erased: boolean
}

interface HistoryRow { o: Record<string, unknown> | null; ts: string | number | null; newer: boolean; erased: boolean }

/** Columns and join reading the history of `q` (a, e, ts, k); `$2` is the state events. */
const HISTORY_COLUMNS = `s.object as o, s.event_ts as ts,
  exists (select 1 from zoom_webhook_deliveries n
          where n.account_id = q.a and n.engagement_id = q.e and n.event = any($2::text[])
            and n.event_ts > q.ts and n.delivery_key <> q.k) as newer,
  exists (select 1 from erasures x where x.account_id = q.a and x.engagement_ids @> array[q.e]) as erased`
const HISTORY_JOIN = `left join lateral (select object, event_ts from zoom_webhook_deliveries
                     where account_id = q.a and engagement_id = q.e and event = 'contact_center.engagement_started'
                     order by event_ts limit 1) s on true`

function historyOf(row: HistoryRow): EngagementHistory {
  return {
    startedAt: row.o && row.ts !== null ? objectTime(row.o, Number(row.ts)) : null,
    stateSuperseded: row.newer === true,
    erased: row.erased === true,
  }
}

/**
 * What earlier and later deliveries of an engagement say, for mapping one of them: when it
 * started (its `engagement_started` delivery, null when none came), whether a delivery of one of
 * `stateEvents` with a later `event_ts` was already received (this one's active/inactive state is
 * then old news), and whether the engagement was erased (retention or an admin: never recreated).
 * For several deliveries in one round trip, answered in order.
 */
export async function engagementHistories(
  db: Db, list: readonly Pick<Delivery, 'accountId' | 'engagementId' | 'eventTs' | 'key'>[], stateEvents: readonly string[],
): Promise<EngagementHistory[]> {
  const res = await db.query<HistoryRow & { n: number }>(
    `select q.n, ${HISTORY_COLUMNS}
     from jsonb_to_recordset($1::jsonb) as q(n int, a text, e text, ts int8, k text) ${HISTORY_JOIN}`,
    [JSON.stringify(list.map((d, n) => ({ n, a: d.accountId, e: d.engagementId, ts: d.eventTs, k: d.key }))), stateEvents])
  const out: EngagementHistory[] = list.map(() => ({ startedAt: null, stateSuperseded: false, erased: false }))
  for (const row of res.rows) out[Number(row.n)] = historyOf(row)
  return out
}

export async function deleteDelivery(db: Db, accountId: string, key: string): Promise<void> {
  await db.query('delete from zoom_webhook_deliveries where account_id = $1 and delivery_key = $2', [accountId, key])
}

/** Deletes deliveries older than `keepMs` (long past Zoom's last retry, about 85 minutes). */
export async function pruneDeliveries(db: Db, keepMs: number): Promise<number> {
  const res = await db.query(
    `delete from zoom_webhook_deliveries where received_at < now() - ($1::int8 * interval '1 millisecond') and processed_at is not null`,
    [keepMs])
  return res.rowCount ?? 0
}
