import { mkdtempSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/store/index.ts'
import type { Store } from '../../src/store/port.ts'
import { storeContract } from './store-contract.ts'
import { silentLogger } from './test-db.ts'

let dir: string
let store: Store

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sb-pglite-'))
  store = await openStore({ dataDir: dir, logger: silentLogger })
}, 60_000)
afterAll(async () => {
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('pglite store', () => {
  it('is the PGlite implementation with data under dataDir/pglite', () => {
    expect(store.kind).toBe('pglite')
    expect(existsSync(join(dir, 'pglite'))).toBe(true)
  })
  storeContract(() => store)

  it('keeps data across a reopen', async () => {
    await store.query('create table keep_me (v text)')
    await store.query('insert into keep_me values ($1)', ['kept'])
    await store.close()
    store = await openStore({ dataDir: dir, logger: silentLogger })
    const res = await store.query<{ v: string }>('select v from keep_me')
    expect(res.rows).toEqual([{ v: 'kept' }])
  }, 60_000)
})
