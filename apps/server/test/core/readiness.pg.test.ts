/** /readyz against real Postgres: pending migration → 503, migrated → 200, database gone → 503. */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.ts'
import { defaultMigrationsDir, migrate, openStore } from '../../src/store/index.ts'
import type { Store } from '../../src/store/port.ts'
import { createTestDatabase, silentLogger, type TestDatabase } from '../store/test-db.ts'
import { coreConfig, fakeWebRoot } from './helpers.ts'

const migrations = mkdtempSync(join(tmpdir(), 'sb-migrations-'))
cpSync(defaultMigrationsDir(), migrations, { recursive: true })
process.env['SB_MIGRATIONS_DIR'] = migrations
let db: TestDatabase
let store: Store
let app: FastifyInstance
const web = fakeWebRoot()

beforeAll(async () => {
  db = await createTestDatabase()
  store = await openStore({ databaseUrl: db.url, dataDir: tmpdir(), logger: silentLogger })
  await migrate(store)
  app = await buildApp({ config: coreConfig({ DATABASE_URL: db.url }), store, webRoot: web.root })
  await app.ready()
})

afterAll(async () => {
  await app?.close()
  await store?.close().catch(() => {})
  await db?.drop()
  web.remove()
  rmSync(migrations, { recursive: true, force: true })
})

describe('readiness (Postgres)', () => {
  it('503 with a pending migration, 200 after migrate, 503 once the database is gone', async () => {
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200)

    writeFileSync(join(migrations, '9999_readiness_probe.sql'), 'create table readiness_probe (id int primary key);\n')
    const pending = await app.inject({ url: '/readyz' })
    expect(pending.statusCode).toBe(503)
    expect(pending.json().error.details.pendingMigrations).toEqual(['9999_readiness_probe.sql'])

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
