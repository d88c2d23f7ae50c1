/** The throwaway benchmark database and the seeding of accounts and users. */
import { createThrowawayDb as createDb, withClient } from '../support/pg.ts'
import { onCleanup } from './cleanup.ts'

export interface BenchDb {
  url: string
  name: string
  /** true when created by this run (and dropped at its end) */
  throwaway: boolean
}

export async function createThrowawayDb(adminUrl: string): Promise<BenchDb> {
  const db = await createDb('sb_bench', adminUrl)
  onCleanup(`drop database ${db.name}`, () => db.drop())
  return { url: db.url, name: db.name, throwaway: true }
}

/** The server's version, and "autovacuum off" where it is (figures then differ: docs/reliability.md). */
export function serverVersion(url: string): Promise<string> {
  return withClient(url, async (c) => {
    const r = await c.query<{ v: string; av: string }>(`select current_setting('server_version') as v, current_setting('autovacuum') as av`)
    const row = r.rows[0]
    return row ? `${row.v}${row.av === 'off' ? ' (autovacuum off)' : ''}` : '?'
  })
}

export interface SeedUser {
  accountId: string
  id: string
  name: string
  role: 'agent' | 'supervisor'
}

/** Accounts and users exist before anyone connects (the server may also create them on sight). */
export function seedUsers(url: string, users: SeedUser[]): Promise<void> {
  return withClient(url, async (c) => {
    const accounts = [...new Set(users.map((u) => u.accountId))]
    await c.query(
      `insert into accounts (id, name) select a, a from unnest($1::text[]) as a on conflict do nothing`,
      [accounts],
    )
    for (let i = 0; i < users.length; i += 1000) {
      const chunk = users.slice(i, i + 1000)
      await c.query(
        `insert into users (account_id, id, display_name, role)
         select * from unnest($1::text[], $2::text[], $3::text[], $4::text[]) on conflict do nothing`,
        [chunk.map((u) => u.accountId), chunk.map((u) => u.id), chunk.map((u) => u.name), chunk.map((u) => u.role)],
      )
    }
  })
}

/** How many of these ops (account, actor, op id) have their row in the log. */
export function countDurable(url: string, refs: ReadonlyArray<readonly [string, string, string]>): Promise<number> {
  return withClient(url, async (c) => {
    let found = 0
    for (let i = 0; i < refs.length; i += 20_000) {
      const chunk = refs.slice(i, i + 20_000)
      const r = await c.query<{ n: string }>(
        `select count(*) as n from engagement_events e
         join unnest($1::text[], $2::text[], $3::text[]) as k(a, actor, op)
           on e.account_id = k.a and e.actor_id = k.actor and e.op_id = k.op`,
        [chunk.map((x) => x[0]), chunk.map((x) => x[1]), chunk.map((x) => x[2])])
      found += Number(r.rows[0]?.n ?? 0)
    }
    return found
  })
}
