/**
 * A REST request whose database read fails for want of a connection is answered 503 UNAVAILABLE
 * with Retry-After (the client retries), not 500 INTERNAL; any other failure stays 500.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newSessionId, signToken } from '../../src/auth/session-token.ts'
import { StoreUnavailable } from '../../src/store/errors.ts'
import type { Store } from '../../src/store/port.ts'
import { createUser, SECRET, startNode, type Node, type TestUser } from '../ws/harness.ts'

let dir: string
let node: Node
let failWith: Error | null = null
const sup: TestUser = { accountId: 'acc1', id: 'sup1', role: 'supervisor', name: 'Sam' }

/** The real store, whose reads fail with `failWith` while it is set. */
function flaky(real: Store): Store {
  return {
    ...real,
    query: (sql, params) => (failWith ? Promise.reject(failWith) : real.query(sql, params)),
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sb-db-down-'))
  node = await startNode({ dataDir: dir, wrapStore: flaky })
  await createUser(node.store, sup)
}, 60_000)
afterAll(async () => {
  await node?.close()
  rmSync(dir, { recursive: true, force: true })
})

function list() {
  const now = Date.now()
  const token = signToken(SECRET, { k: 'session', sid: newSessionId(), sub: sup.id, acc: sup.accountId, role: sup.role, name: sup.name, cred: 'dev-signin', iat: now, exp: now + 3_600_000 })
  return node.app.inject({ method: 'GET', url: '/api/engagements', headers: { cookie: `sb_session=${token}` } })
}

describe('REST while the database is unreachable', () => {
  it('503 UNAVAILABLE with Retry-After; 500 INTERNAL for anything else; 200 once it answers', async () => {
    expect((await list()).statusCode).toBe(200)
    failWith = new StoreUnavailable(new Error('Connection terminated unexpectedly'))
    const down = await list()
    expect(down.statusCode).toBe(503)
    expect(down.headers['retry-after']).toBe('1')
    expect(down.json()).toMatchObject({ error: { code: 'UNAVAILABLE' } })
    failWith = new Error('a bug of ours')
    const bug = await list()
    expect(bug.statusCode).toBe(500)
    expect(bug.json()).toMatchObject({ error: { code: 'INTERNAL' } })
    failWith = null
    expect((await list()).statusCode).toBe(200)
  })
})
