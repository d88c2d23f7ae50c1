/**
 * Throwaway databases `sb_rel_<random>` on the local Postgres (127.0.0.1:5432, user postgres),
 * dropped on cleanup even when a scenario fails, and the queries the scenarios verify with.
 */
import pg from 'pg'
import { onCleanup } from '../../bench/cleanup.ts'
import { seedUsers, type SeedUser } from '../../bench/pgdb.ts'
import { createThrowawayDb, PG_ADMIN_URL } from '../../support/pg.ts'

export const ADMIN_URL = process.env['RELIABILITY_PG_ADMIN_URL'] ?? PG_ADMIN_URL

export interface RelDb {
  name: string
  url: string
  /** a small pool for the scenario's own checks */
  pool: pg.Pool
  seed(users: Array<SeedUser | (Omit<SeedUser, 'role'> & { role: 'agent' | 'supervisor' | 'admin' })>): Promise<void>
  drop(): Promise<void>
}

export async function createRelDb(adminUrl = ADMIN_URL): Promise<RelDb> {
  const created = await createThrowawayDb('sb_rel', adminUrl)
  const pool = new pg.Pool({ connectionString: created.url, max: 3 })
  pool.on('error', () => {}) // a Postgres restart drops idle clients; the next query reconnects
  let dropped: Promise<void> | null = null
  const db: RelDb = {
    name: created.name,
    url: created.url,
    pool,
    // Accounts and users must exist before anyone connects (the WebSocket upgrade looks the user up).
    seed: (users) => seedUsers(created.url, users as SeedUser[]),
    drop() {
      dropped ??= pool.end().catch(() => {}).then(() => created.drop())
      return dropped
    },
  }
  onCleanup(`drop database ${db.name}`, () => db.drop())
  return db
}

export interface StoredRow {
  accountId: string
  engagementId: string
  seq: number
  kind: string
  actorId: string
  opId: string
  update: Buffer | null
}

/** Every log row of the given accounts, in (engagement, seq) order. */
export async function storedRows(db: RelDb, accountIds: string[]): Promise<StoredRow[]> {
  const res = await db.pool.query<{ account_id: string; engagement_id: string; seq: string; kind: string; actor_id: string; op_id: string; doc_update: Buffer | null }>(
    `select account_id, engagement_id, seq, kind, actor_id, op_id, doc_update from engagement_events
     where account_id = any($1::text[]) order by account_id, engagement_id, seq`, [accountIds])
  return res.rows.map((r) => ({
    accountId: r.account_id, engagementId: r.engagement_id, seq: Number(r.seq), kind: r.kind, actorId: r.actor_id, opId: r.op_id, update: r.doc_update,
  }))
}

/** Counts of what an invalid or refused message must never change. */
export async function writeCounts(db: RelDb): Promise<{ events: number; engagements: number; docs: number; users: number; accounts: number }> {
  const r = await db.pool.query<{ events: string; engagements: string; docs: string; users: string; accounts: string }>(
    `select (select count(*) from engagement_events) as events, (select count(*) from engagements) as engagements,
            (select count(*) from notes_docs) as docs, (select count(*) from users) as users, (select count(*) from accounts) as accounts`)
  const row = r.rows[0]!
  return { events: Number(row.events), engagements: Number(row.engagements), docs: Number(row.docs), users: Number(row.users), accounts: Number(row.accounts) }
}
