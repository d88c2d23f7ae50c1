/**
 * /readyz is 503 while a migration on disk is not applied, and 200 once `migrate` ran. The
 * migrations directory is a copy (SB_MIGRATIONS_DIR) so the test can add a new migration file,
 * as a deploy of a newer version does.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.ts'
import { defaultMigrationsDir, migrate } from '../../src/store/migrate.ts'
import { openPgliteStore } from '../../src/store/pglite.ts'
import type { Store } from '../../src/store/port.ts'
import { coreConfig, fakeWebRoot } from './helpers.ts'

const quiet = { debug() {}, info() {}, warn() {}, error() {} }
const migrations = mkdtempSync(join(tmpdir(), 'sb-migrations-'))
cpSync(defaultMigrationsDir(), migrations, { recursive: true })
process.env['SB_MIGRATIONS_DIR'] = migrations
let store: Store
let app: FastifyInstance
const web = fakeWebRoot()

beforeAll(async () => {
  store = await openPgliteStore({ logger: quiet })
  await migrate(store)
  app = await buildApp({ config: coreConfig(), store, webRoot: web.root })
  await app.ready()
})

afterAll(async () => {
  await app?.close()
  await store?.close()
  web.remove()
  rmSync(migrations, { recursive: true, force: true })
})

describe('readiness (PGlite)', () => {
  it('is ready when migrated, 503 with a pending migration, ready again after migrate', async () => {
    expect((await app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready' })

    writeFileSync(join(migrations, '9999_readiness_probe.sql'), 'create table readiness_probe (id int primary key);\n')
    const pending = await app.inject({ url: '/readyz' })
    expect(pending.statusCode).toBe(503)
    expect(pending.json().error.code).toBe('NOT_READY')
    expect(pending.json().error.details.pendingMigrations).toEqual(['9999_readiness_probe.sql'])
    expect(pending.headers['content-security-policy']).toBeDefined()
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200)

    await migrate(store)
    const after = await app.inject({ url: '/readyz' })
    expect(after.statusCode).toBe(200)
    expect(after.json()).toEqual({ status: 'ready' })
  })
})
