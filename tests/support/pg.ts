/**
 * Throwaway Postgres databases for every test that needs a real server (default
 * 127.0.0.1:5432, user postgres, trust auth): `<prefix>_<random>`, dropped with force. The
 * server's `*.pg` tests, the e2e and reliability suites and the load generator all make theirs here.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'

export const PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres'

export interface ThrowawayDb {
  name: string
  url: string
  /** Drops the database (idempotent: later calls return the first drop). */
  drop(): Promise<void>
}

/** `url` with its database replaced by `name`. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

/** Runs `fn` on a fresh client of `url` and always ends it. */
export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}

export async function createThrowawayDb(prefix: string, adminUrl = PG_ADMIN_URL): Promise<ThrowawayDb> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`
  await withClient(adminUrl, (c) => c.query(`create database ${name}`))
  let dropped: Promise<void> | null = null
  return {
    name,
    url: withDatabase(adminUrl, name),
    drop() {
      dropped ??= withClient(adminUrl, async (c) => {
        await c.query(`drop database if exists ${name} with (force)`)
      })
      return dropped
    },
  }
}
