/** A throwaway database `sb_e2e_<random>` on the local Postgres, dropped (with force) after. */
import { randomBytes } from 'node:crypto'
import pg from 'pg'

export const PG_ADMIN_URL = process.env['E2E_PG_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export interface E2eDb {
  name: string
  url: string
  query<R extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>
  drop(): Promise<void>
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}

export async function createDb(): Promise<E2eDb> {
  const name = `sb_e2e_${randomBytes(5).toString('hex')}`
  await admin((c) => c.query(`create database ${name}`))
  const u = new URL(PG_ADMIN_URL)
  u.pathname = `/${name}`
  const url = u.toString()
  let dropped = false
  return {
    name,
    url,
    async query(sql, params) {
      const c = new pg.Client({ connectionString: url })
      await c.connect()
      try {
        return (await c.query(sql, params)).rows
      } finally {
        await c.end()
      }
    },
    async drop() {
      if (dropped) return
      dropped = true
      await admin((c) => c.query(`drop database if exists ${name} with (force)`))
    },
  }
}
