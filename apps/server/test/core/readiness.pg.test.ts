import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.ts'
import { migrate, openStore } from '../../src/store/index.ts'
import type { Store } from '../../src/store/port.ts'
import { createTestDatabase, silentLogger, type TestDatabase } from '../store/test-db.ts'
import { coreConfig, fakeWebRoot } from './helpers.ts'

let db: TestDatabase
let store: Store
let app: FastifyInstance
const web = fakeWebRoot()

beforeAll(async () => {
  db = await createTestDatabase()
  store = await openStore({ databaseUrl: db.url, dataDir: '/nonexistent', logger: silentLogger })
  app = await buildApp({ config: coreConfig({ DATABASE_URL: db.url }), store, webRoot: web.root })
  await app.ready()
})

afterAll(async () => {
  await app?.close()
  await store?.close().catch(() => {})
  await db?.drop()
  web.remove()
})

describe('readiness (Postgres)', () => {
  it('503 before migrations, 200 after, 503 once the database is gone', async () => {
    const before = await app.inject({ url: '/readyz' })
    expect(before.statusCode).toBe(503)
    expect(before.json().error.code).toBe('NOT_READY')

    await migrate(store)
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200)

    await store.close()
    const gone = await app.inject({ url: '/readyz' })
    expect(gone.statusCode).toBe(503)
    expect(gone.json().error.code).toBe('NOT_READY')
    expect(gone.body).not.toContain(db.name)
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200)
  })
})
