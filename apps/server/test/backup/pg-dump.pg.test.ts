/**
 * The Postgres backup guide (docs/operations.md, "Backups"), command for command: pg_dump in the
 * custom format while the server runs, pg_restore into a new database, and a server started on
 * the restored database serves what was there.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import * as Y from 'yjs'
import { afterAll, expect, it } from 'vitest'
import { newSessionId, signToken } from '../../src/auth/session-token.ts'
import { pendingMigrations } from '../../src/store/migrate.ts'
import { createTestDatabase, type TestDatabase } from '../store/test-db.ts'
import { Client, createUser, opId, SECRET, startNode, type TestUser } from '../ws/harness.ts'

const run = promisify(execFile)
const agent: TestUser = { accountId: 'acc1', id: 'agent1', role: 'agent', name: 'Ann' }
const dbs: TestDatabase[] = []
const dir = mkdtempSync(join(tmpdir(), 'sb-pgdump-'))
afterAll(async () => {
  for (const d of dbs) await d.drop()
  rmSync(dir, { recursive: true, force: true })
})

it('pg_dump while the server runs, pg_restore into a new database, and the server serves it', async () => {
  const source = await createTestDatabase()
  dbs.push(source)
  const node = await startNode({ databaseUrl: source.url })
  const file = join(dir, 'switchboard.dump')
  try {
    await createUser(node.store, agent)
    const c = await Client.connect(node, agent)
    await c.observe('pg-b1')
    const doc = new Y.Doc()
    doc.getText('notes').insert(0, 'restored from pg_dump')
    const up = { type: 'doc.update', opId: opId(), engagementId: 'pg-b1', update: Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64') }
    c.send(up)
    await c.ack(up.opId)
    c.close()
    // The guide: pg_dump --format=custom --no-owner --file switchboard.dump "$DATABASE_URL"
    await run('pg_dump', ['--format=custom', '--no-owner', '--file', file, source.url])
  } finally {
    await node.close()
  }
  const target = await createTestDatabase()
  dbs.push(target)
  // The guide: pg_restore --no-owner --exit-on-error --dbname "$NEW_DATABASE_URL" switchboard.dump
  await run('pg_restore', ['--no-owner', '--exit-on-error', '--dbname', target.url, file])

  const restored = await startNode({ databaseUrl: target.url })
  try {
    expect(await pendingMigrations(restored.store)).toEqual([])
    const now = Date.now()
    const cookie = `sb_session=${signToken(SECRET, { k: 'session', sid: newSessionId(), sub: agent.id, acc: agent.accountId, role: agent.role, name: agent.name, cred: 'dev-signin', iat: now, exp: now + 600_000 })}`
    const res = await restored.app.inject({ url: '/api/engagements/pg-b1', headers: { cookie } })
    expect(res.statusCode).toBe(200)
    expect((res.json() as { notes: { text: string } }).notes.text).toBe('restored from pg_dump')
  } finally {
    await restored.close()
  }
}, 120_000)
