import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import { isUnavailable, sqlstate, StoreUnavailable } from '../../src/store/errors.ts'
import { openStore } from '../../src/store/index.ts'
import { migrate } from '../../src/store/migrate.ts'
import type { Store } from '../../src/store/port.ts'
import { storeContract } from './store-contract.ts'
import { createTestDatabase, silentLogger, type TestDatabase } from './test-db.ts'

let db: TestDatabase
let store: Store

beforeAll(async () => {
  db = await createTestDatabase()
  store = await openStore({ databaseUrl: db.url, dataDir: '/nonexistent', logger: silentLogger })
})
afterAll(async () => {
  await store?.close()
  await db?.drop()
})

describe('pg store', () => {
  it('is the pg implementation', () => expect(store.kind).toBe('pg'))
  storeContract(() => store)

  it('two stores migrating at once apply each migration exactly once', async () => {
    const other = await createTestDatabase()
    const a = await openStore({ databaseUrl: other.url, dataDir: '/x', logger: silentLogger })
    const b = await openStore({ databaseUrl: other.url, dataDir: '/x', logger: silentLogger })
    try {
      const [ra, rb] = await Promise.all([migrate(a), migrate(b)])
      const versions = [...ra, ...rb].map((m) => m.version).sort((x, y) => x - y)
      const rows = await a.query<{ version: number }>('select version from schema_migrations order by version')
      expect(versions).toEqual(rows.rows.map((r) => r.version))
    } finally {
      await a.close()
      await b.close()
      await other.drop()
    }
  })

  it('re-LISTENs after the listen connection is killed and calls onListening again', async () => {
    const got: string[] = []
    let listening = 0
    let lost = 0
    const l = await store.listen('contract_reconnect', {
      onNotify: (p) => got.push(p),
      onListening: () => { listening++ },
      onLost: () => { lost++ },
    })
    expect(listening).toBe(1)
    const admin = new pg.Client({ connectionString: db.url })
    await admin.connect()
    try {
      await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid() and query ilike 'LISTEN%'`)
      await expect.poll(() => lost, { timeout: 5000 }).toBe(1)
      await expect.poll(() => listening, { timeout: 5000 }).toBe(2)
      await store.query(`select pg_notify('contract_reconnect', 'back')`)
      await expect.poll(() => got).toEqual(['back'])
    } finally {
      await admin.end()
      await l.close()
    }
  })

  it('the write lane commits while every pooled read connection is busy', async () => {
    // Ten reads hold the main pool (its size); an eleventh read has to queue behind them.
    let release!: () => void
    const gate = new Promise<void>((r) => { release = r })
    const holders = Array.from({ length: 10 }, () => store.transaction(async (tx) => {
      await tx.query('select 1')
      await gate
    }))
    let queuedRead = false
    const read = store.query('select 1').then(() => { queuedRead = true })
    try {
      await store.writes.transaction(async (tx) => {
        await tx.query('create table if not exists lane_probe (n int)')
        await tx.query('insert into lane_probe values (1)')
      })
      await expect(store.writes.ping()).resolves.toBeUndefined()
      expect(queuedRead).toBe(false)
    } finally {
      release()
      await Promise.all([...holders, read])
    }
    const res = await store.query<{ n: number }>('select count(*) as n from lane_probe')
    expect(res.rows[0]!.n).toBe(1)
  })

  it('the write lane sends BEGIN with the first statement and COMMIT with commitWith (two round trips)', async () => {
    const own = 'select current_query() as query where $1::int = 1'
    const texts = await store.writes.transaction(async (tx) => {
      const first = await tx.query<{ query: string }>(own, [1])
      const last = await tx.commitWith<{ query: string }>(own, [1])
      return [first.rows[0]!.query, last.rows[0]!.query]
    })
    expect(texts[0]).toMatch(/^BEGIN;\s*select current_query\(\) as query where '1'::int = 1$/)
    expect(texts[1]).toMatch(/^select current_query\(\) as query where '1'::int = 1;\s*COMMIT$/)
  })

  it('the write lane keeps its connection after a transaction it committed itself (no commitWith)', async () => {
    const pid = () => store.writes.transaction(async (tx) => (await tx.query<{ pid: number }>('select pg_backend_pid() as pid where $1::int = 1', [1])).rows[0]!.pid)
    // One at a time, the pool hands back an idle connection: none is closed and reopened.
    const pids = new Set<number>()
    for (let i = 0; i < 6; i++) pids.add(await pid())
    expect(pids.size).toBeLessThanOrEqual(3)
  })

  it('ping rejects when the database is unreachable, with an error classified as unavailable by its code', async () => {
    const bad = await openStore({ databaseUrl: 'postgres://postgres@127.0.0.1:1/none', dataDir: '/x', logger: silentLogger })
    for (const lane of [bad, bad.writes]) {
      const err = await lane.ping().then(() => null, (e: unknown) => e)
      expect(isUnavailable(err)).toBe(true)
    }
    await expect(bad.transaction(async (tx) => tx.query('select 1'))).rejects.toBeInstanceOf(StoreUnavailable)
    await bad.close()
  })

  it('a connection lost inside a transaction is unavailable (SQLSTATE 57P01 or the store\'s code); an SQL error is not', async () => {
    const lost = await store.writes.transaction(async (tx) => {
      await tx.query('select 1')
      await tx.query('select pg_terminate_backend(pg_backend_pid())')
    }).then(() => null, (e: unknown) => e)
    expect(isUnavailable(lost)).toBe(true)
    const sqlError = await store.query('select 1/0').then(() => null, (e: unknown) => e)
    expect(sqlstate(sqlError)).toBe('22012')
    expect(isUnavailable(sqlError)).toBe(false)
    // The lane still works: the broken connection was discarded, not returned to the pool.
    expect((await store.writes.query<{ n: number }>('select 1 as n')).rows).toEqual([{ n: 1 }])
  })
})
