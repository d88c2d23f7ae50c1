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
}

export type DeliveryOutcome = 'applied' | 'duplicate' | 'ignored' | 'refused' | 'failed'

/** Inserts the delivery; false when the same key is already there (a retried or replayed delivery). */
export async function insertDelivery(db: Db, d: Delivery): Promise<boolean> {
  const res = await db.query(
    `insert into zoom_webhook_deliveries (account_id, delivery_key, event, event_ts, engagement_id, user_id, object, received_at, claimed_at)
     values ($1, $2, $3, $4, $5, $6, $7::jsonb, to_timestamp($8 / 1000.0), now())
     on conflict do nothing`,
    [d.accountId, d.key, d.event, d.eventTs, d.engagementId, d.userId, JSON.stringify(d.object), d.receivedAt])
  return (res.rowCount ?? 0) > 0
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

/**
 * What earlier and later deliveries of one engagement say, for mapping one of them: when it
 * started (its `engagement_started` delivery, null when none came), whether a delivery of one of
 * `stateEvents` with a later `event_ts` was already received (this one's active/inactive state is
 * then old news), and whether the engagement was erased (retention or an admin: never recreated).
 * One round trip.
 */
export async function engagementHistory(
  db: Db, d: Pick<Delivery, 'accountId' | 'engagementId' | 'eventTs' | 'key'>, stateEvents: readonly string[],
): Promise<{ startedAt: number | null; stateSuperseded: boolean; erased: boolean }> {
  const res = await db.query<{ o: Record<string, unknown> | null; ts: string | number | null; newer: boolean; erased: boolean }>(
    `select s.object as o, s.event_ts as ts,
       exists (select 1 from zoom_webhook_deliveries n
               where n.account_id = $1 and n.engagement_id = $2 and n.event = any($3::text[])
                 and n.event_ts > $4 and n.delivery_key <> $5) as newer,
       exists (select 1 from erasures x where x.account_id = $1 and $2 = any(x.engagement_ids)) as erased
     from (select 1) one
     left join lateral (select object, event_ts from zoom_webhook_deliveries
                        where account_id = $1 and engagement_id = $2 and event = 'contact_center.engagement_started'
                        order by event_ts limit 1) s on true`,
    [d.accountId, d.engagementId, stateEvents, d.eventTs, d.key])
  const row = res.rows[0]
  return {
    startedAt: row?.o && row.ts !== null ? objectTime(row.o, Number(row.ts)) : null,
    stateSuperseded: row?.newer === true,
    erased: row?.erased === true,
  }
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
