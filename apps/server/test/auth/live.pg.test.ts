/**
 * Live authorization on two nodes sharing one Postgres: a role change, a removed user, a sign-out
 * and an expired session reach the user's open sockets on the other node through the bus; the
 * per-user socket cap refuses with a code. REST calls go to node A, sockets sit on both.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { CLOSE } from '@switchboard/protocol'
import { newSessionId, signToken } from '../../src/auth/session-token.ts'
import { releasedAfterAll } from '../../../../tests/support/release.ts'
import { createTestDatabase, type TestDatabase } from '../store/test-db.ts'
import { Client, createUser, observe, SECRET, startNode, type Node, type TestUser } from '../ws/harness.ts'

let db: TestDatabase
let a: Node
let b: Node
const ACC = 'acc-live'
const admin: TestUser = { accountId: ACC, id: 'live-admin', role: 'admin', name: 'Ada Admin' }
const agent: TestUser = { accountId: ACC, id: 'live-agent', role: 'agent', name: 'Ann' }

/** Dev sign-in on node A: the session cookie. */
async function signIn(u: TestUser): Promise<string> {
  const res = await a.app.inject({ method: 'POST', url: '/api/dev/sign-in', payload: { accountId: u.accountId, userId: u.id, role: u.role, displayName: u.name } })
  expect(res.statusCode).toBe(200)
  return res.cookies.find((c) => c.name === 'sb_session')!.value
}

/** A fresh WS token under the session of `cookie` (GET /api/session). */
async function wsTokenOf(cookie: string): Promise<string> {
  const res = await a.app.inject({ method: 'GET', url: '/api/session', headers: { cookie: `sb_session=${cookie}` } })
  expect(res.statusCode).toBe(200)
  return res.json().wsToken as string
}

async function setRole(adminCookie: string, userId: string, role: string): Promise<void> {
  const res = await a.app.inject({ method: 'PUT', url: `/api/admin/users/${userId}/role`, headers: { cookie: `sb_session=${adminCookie}` }, payload: { role } })
  expect(res.statusCode).toBe(200)
}

let adminCookie: string
const keep = releasedAfterAll()

beforeAll(async () => {
  db = keep(await createTestDatabase())
  a = keep(await startNode({ databaseUrl: db.url, nodeId: 'live-a' }))
  b = keep(await startNode({ databaseUrl: db.url, nodeId: 'live-b', env: { WS_MAX_SOCKETS_PER_USER: '3' } }))
  await createUser(a.store, admin)
  await createUser(a.store, agent)
  adminCookie = await signIn(admin)
  // An engagement of the agent's, for subscriptions and whispers.
  const c = await Client.connect(a, agent)
  const ob = observe('live-eng-1')
  c.send(ob)
  await c.reply(ob.opId as string)
  c.close()
}, 60_000)


describe('live authorization across two nodes', () => {
  it('a demoted supervisor loses supervisor powers on every open socket: the board closes 4003, the rest follow the new role', async () => {
    const sup: TestUser = { accountId: ACC, id: 'live-sup-1', role: 'supervisor', name: 'Sam' }
    await createUser(a.store, sup)
    const token = await wsTokenOf(await signIn(sup))
    const board = await Client.withToken(b, token, 'supervisor')
    board.send({ type: 'board.subscribe' })
    await board.next('board.snapshot')
    // A socket watching a colleague's engagement, and one that only uses the agent app.
    const watcher = await Client.withToken(b, token, 'supervisor')
    watcher.send({ type: 'subscribe', engagementId: 'live-eng-1' })
    await watcher.next('engagement.snapshot')
    const own = await Client.withToken(a, token, 'agent')
    expect((await own.op({ type: 'whisper.send', engagementId: 'live-eng-1', text: 'before' })).type).toBe('ack')

    await setRole(adminCookie, sup.id, 'agent')
    expect(await board.closed()).toBe(CLOSE.FORBIDDEN)
    expect(await watcher.closed()).toBe(CLOSE.FORBIDDEN)
    const notice = await own.next('notice', (m) => m['code'] === 'role-changed')
    expect(notice['message']).toMatch(/agent/)
    const refused = await own.op({ type: 'whisper.send', engagementId: 'live-eng-1', text: 'after' })
    expect(refused).toMatchObject({ type: 'error', code: 'FORBIDDEN' })
    // A colleague's engagement is no longer readable from this socket either.
    own.send({ type: 'subscribe', engagementId: 'live-eng-1' })
    expect(await own.next('error', (m) => m['engagementId'] === 'live-eng-1' && m['code'] === 'NOT_FOUND')).toBeTruthy()
    own.send({ type: 'board.subscribe' })
    expect(await own.next('error', (m) => m['code'] === 'FORBIDDEN' && m['opId'] === undefined)).toBeTruthy()
    // Nothing from the board reached the demoted socket after the change.
    const whispers = await a.store.query(`select count(*)::int as n from engagement_events where engagement_id = 'live-eng-1' and kind = 'whisper'`)
    expect(whispers.rows[0]).toEqual({ n: 1 })
    own.close()
  })

  it('a promoted agent can use the new role on the socket it already has', async () => {
    const rookie: TestUser = { accountId: ACC, id: 'live-rookie', role: 'agent', name: 'Rae' }
    await createUser(a.store, rookie)
    const c = await Client.withToken(b, await wsTokenOf(await signIn(rookie)), 'supervisor')
    c.send({ type: 'board.subscribe' })
    await c.next('error', (m) => m['code'] === 'FORBIDDEN')
    await setRole(adminCookie, rookie.id, 'supervisor')
    expect((await c.next('notice', (m) => m['code'] === 'role-changed'))['message']).toMatch(/supervisor/)
    c.send({ type: 'board.subscribe' })
    expect(await c.next('board.snapshot')).toMatchObject({ type: 'board.snapshot' })
    c.close()
  })

  it('a removed user is disconnected everywhere with 4003', async () => {
    const leaver: TestUser = { accountId: ACC, id: 'live-leaver', role: 'supervisor', name: 'Lee' }
    await createUser(a.store, leaver)
    const token = await wsTokenOf(await signIn(leaver))
    const onA = await Client.withToken(a, token)
    const onB = await Client.withToken(b, token)
    const res = await a.app.inject({ method: 'DELETE', url: `/api/admin/users/${leaver.id}`, headers: { cookie: `sb_session=${adminCookie}` } })
    expect(res.statusCode).toBe(204)
    expect(await onA.closed()).toBe(CLOSE.FORBIDDEN)
    expect(await onB.closed()).toBe(CLOSE.FORBIDDEN)
    // And cannot come back with the same token.
    await expect(new Client(b.url, { token }).opened).rejects.toMatchObject({ status: 401 })
  })

  it('signing out closes every socket opened under that session (4002), on both nodes, and no other', async () => {
    const cookie = await signIn(agent)
    const other = await signIn(agent)
    const onA = await Client.withToken(a, await wsTokenOf(cookie))
    const onB = await Client.withToken(b, await wsTokenOf(cookie))
    const otherSession = await Client.withToken(b, await wsTokenOf(other))
    const spare = await wsTokenOf(cookie)
    const res = await a.app.inject({ method: 'DELETE', url: '/api/session', headers: { cookie: `sb_session=${cookie}` } })
    expect(res.statusCode).toBe(204)
    expect(await onA.closed()).toBe(CLOSE.SESSION_EXPIRED)
    expect(await onB.closed()).toBe(CLOSE.SESSION_EXPIRED)
    // A WS token issued under the signed-out session opens nothing; the cookie is refused too.
    await expect(new Client(b.url, { token: spare }).opened).rejects.toMatchObject({ status: 401 })
    expect((await a.app.inject({ method: 'GET', url: '/api/session', headers: { cookie: `sb_session=${cookie}` } })).statusCode).toBe(401)
    const ping = { type: 'ping', t: Date.now() }
    otherSession.send(ping)
    await otherSession.next('pong')
    otherSession.close()
  })

  it('a socket closes with 4002 when its session expires', async () => {
    const now = Date.now()
    const token = signToken(SECRET, {
      k: 'ws', sid: newSessionId(), sub: agent.id, acc: ACC, role: 'agent', name: agent.name, cred: 'dev-signin',
      iat: now, exp: now + 1500, sexp: now + 1500,
    })
    const c = await Client.withToken(b, token)
    expect(await c.closed(5000)).toBe(CLOSE.SESSION_EXPIRED)
  })

  it('refuses a user past the per-node socket cap with 429 TOO_MANY_CONNECTIONS, and admits again once one closes', async () => {
    const many: TestUser = { accountId: ACC, id: 'live-many', role: 'agent', name: 'Max' }
    await createUser(a.store, many)
    const token = await wsTokenOf(await signIn(many))
    const held = [await Client.withToken(b, token), await Client.withToken(b, token), await Client.withToken(b, token)]
    const refused = await new Client(b.url, { token }).opened.catch((e: { status?: number }) => e)
    expect(refused).toMatchObject({ status: 429 })
    // Another node has its own count; and the cap is per user, not per account.
    const elsewhere = await Client.withToken(a, token)
    held[0]!.close()
    await held[0]!.closed()
    await expect.poll(async () => {
      const c = new Client(b.url, { token })
      try {
        await c.opened
        c.close()
        return true
      } catch {
        return false
      }
    }).toBe(true)
    for (const c of [...held, elsewhere]) c.close()
  })
})
