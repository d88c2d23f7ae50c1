/** A throwaway database `sb_e2e_<random>` on the local Postgres, dropped (with force) after. */
import type pg from 'pg'
import { createThrowawayDb, PG_ADMIN_URL as DEFAULT_ADMIN_URL, withClient, type ThrowawayDb } from '../../support/pg.ts'

export const PG_ADMIN_URL = process.env['E2E_PG_ADMIN_URL'] ?? DEFAULT_ADMIN_URL

export interface E2eDb extends ThrowawayDb {
  query<R extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>
}

export async function createDb(): Promise<E2eDb> {
  const db = await createThrowawayDb('sb_e2e', PG_ADMIN_URL)
  return {
    ...db,
    query: (sql, params) => withClient(db.url, async (c) => (await c.query(sql, params)).rows),
  }
}
