/** The throwaway benchmark database and the seeding of accounts and users. */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { onCleanup } from './cleanup.ts'

export interface BenchDb {
  url: string
  name: string
  /** true when created by this run (and dropped at its end) */
  throwaway: boolean
}

export function withDatabase(adminUrl: string, name: string): string {
  const u = new URL(adminUrl)
  u.pathname = `/${name}`
  return u.toString()
}

export async function createThrowawayDb(adminUrl: string): Promise<BenchDb> {
  const name = `sb_bench_${randomBytes(5).toString('hex')}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  try {
    await admin.query(`create database ${name}`)
  } finally {
    await admin.end()
  }
  onCleanup(`drop database ${name}`, () => dropDb(adminUrl, name))
  return { url: withDatabase(adminUrl, name), name, throwaway: true }
}

async function dropDb(adminUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  try {
    await admin.query(`drop database if exists ${name} with (force)`)
  } finally {
    await admin.end()
  }
}

export async function serverVersion(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    const r = await c.query<{ v: string }>(`select current_setting('server_version') as v`)
    return r.rows[0]?.v ?? '?'
  } finally {
    await c.end()
  }
}

export interface SeedUser {
  accountId: string
  id: string
  name: string
  role: 'agent' | 'supervisor'
}

/** Accounts and users exist before anyone connects (the server may also create them on sight). */
export async function seedUsers(url: string, users: SeedUser[]): Promise<void> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
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
  } finally {
    await c.end()
  }
}
