/** Heartbeats, shutdown, transfers and live threshold changes. */
import { describe, expect, it } from 'vitest'
import { CLOSE } from '@switchboard/protocol'
import { newSessionId, signToken } from '../../src/auth/session-token.ts'
import { Client, nodeForFile, observe, opId, SECRET, type TestUser } from './harness.ts'

const ann: TestUser = { accountId: 'acc1', id: 'ann', role: 'agent', name: 'Ann' }
const bob: TestUser = { accountId: 'acc1', id: 'bob', role: 'agent', name: 'Bob' }
const sup: TestUser = { accountId: 'acc1', id: 'sup', role: 'supervisor', name: 'Sam' }

const node = nodeForFile({ pg: true, users: [ann, bob, sup], env: { WS_HEARTBEAT_MS: '200' } })

describe('connection lifecycle', () => {
  it('drops a socket that stops answering pings', async () => {
    const c = await Client.connect(node, ann)
    const before = node.app.realtime.stats()['sockets']!
    const raw = (c.ws as unknown as Record<string, { pause(): void; resume(): void }>)['_socket']!
    raw.pause()
    await expect.poll(() => node.app.realtime.stats()['sockets'], { timeout: 5000 }).toBe(before - 1)
    raw.resume()
    expect(await c.closed()).not.toBe(CLOSE.NORMAL)
  })

  it('hands a transferred engagement to the new agent; the previous agent loses it', async () => {
    const a = await Client.connect(node, ann)
    const b = await Client.connect(node, bob)
    await a.observe('eng-t')
    const plain = observe('eng-t')
    b.send(plain)
    expect(await b.reply(plain.opId as string)).toMatchObject({ type: 'error', code: 'NOT_FOUND' })
    const take = observe('eng-t', { status: { state: 'active', assignedAgentId: 'bob' } })
    b.send(take)
    expect(await b.reply(take.opId as string)).toMatchObject({ type: 'ack', seq: 2 })
    await a.next('engagement.changed', (m) => (m['engagement'] as { agentId: string }).agentId === 'bob')
    const st = { type: 'engagement.status', opId: opId(), engagementId: 'eng-t', changes: { state: 'inactive' }, at: Date.now() }
    a.send(st)
    expect(await a.reply(st.opId)).toMatchObject({ type: 'error', code: 'NOT_FOUND' })
    b.send({ ...st, opId: opId() })
    await expect.poll(() => b.of('ack').length).toBe(2)
    a.close()
    b.close()
  })

  it('pushes threshold changes to boards', async () => {
    const board = await Client.board(node, sup)
    const now = Date.now()
    const cookie = `sb_session=${signToken(SECRET, { k: 'session', sid: newSessionId(), sub: sup.id, acc: sup.accountId, role: sup.role, name: sup.name, cred: 'dev-signin', iat: now, exp: now + 60_000 })}`
    const t = { handleMs: 1000, wrapupMs: 2000, inactiveMs: 3000 }
    const res = await node.app.inject({ method: 'PUT', url: '/api/settings/thresholds', headers: { cookie }, payload: t })
    expect(res.statusCode).toBe(200)
    expect(await board.next('board.delta', (m) => m['thresholds'] !== undefined)).toMatchObject({ thresholds: t })
    board.close()
  })

  it('on shutdown drains, sends going-away and closes sockets with 1001', async () => {
    const c = await Client.connect(node, ann)
    await c.observe('eng-last')
    await node.app.close()
    expect(await c.next('notice', (m) => m['code'] === 'going-away')).toBeDefined()
    expect(await c.closed()).toBe(CLOSE.GOING_AWAY)
  })
})
