import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.ts'
import { migrate } from '../../src/store/migrate.ts'
import { openPgliteStore } from '../../src/store/pglite.ts'
import type { Store } from '../../src/store/port.ts'
import { coreConfig, fakeWebRoot } from './helpers.ts'

const quiet = { debug() {}, info() {}, warn() {}, error() {} }
let store: Store
let app: FastifyInstance
const web = fakeWebRoot()

beforeAll(async () => {
  store = await openPgliteStore({ logger: quiet })
  app = await buildApp({ config: coreConfig(), store, webRoot: web.root })
  await app.ready()
})

afterAll(async () => {
  await app?.close()
  await store?.close()
  web.remove()
})

describe('readiness (PGlite)', () => {
  it('is alive but not ready before migrations, then ready after', async () => {
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200)

    const before = await app.inject({ url: '/readyz' })
    expect(before.statusCode).toBe(503)
    expect(before.json().error.code).toBe('NOT_READY')
    expect(before.json().error.details.pendingMigrations).toContain('0001_init.sql')
    expect(before.headers['content-security-policy']).toBeDefined()

    await migrate(store)
    const after = await app.inject({ url: '/readyz' })
    expect(after.statusCode).toBe(200)
    expect(after.json()).toEqual({ status: 'ready' })
  })
})
