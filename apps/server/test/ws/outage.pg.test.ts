/**
 * The database becomes unreachable (a TCP proxy in front of Postgres is cut): ops are answered
 * UNAVAILABLE with a retry hint, sockets stay open, sessions get `saving-delayed`, then
 * `saving-resumed`; the retried op is committed once.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { releasedAfterAll } from '../../../../tests/support/release.ts'
import { TcpProxy } from '../../../../tests/support/tcp-proxy.ts'
import { createTestDatabase, type TestDatabase } from '../store/test-db.ts'
import { Client, createUser, observe, opId, startNode, type Node, type TestUser } from './harness.ts'

let db: TestDatabase
let node: Node
let proxy: TcpProxy
const agent: TestUser = { accountId: 'acc1', id: 'agent1', role: 'agent', name: 'Ann' }
const keep = releasedAfterAll()

beforeAll(async () => {
  db = keep(await createTestDatabase())
  proxy = keep(await TcpProxy.inFrontOf(db.url))
  node = keep(await startNode({ databaseUrl: proxy.via(db.url) }))
  await createUser(node.store, agent)
})

describe('database outage', () => {
  it('answers UNAVAILABLE, keeps the socket, notices delay and resumption, commits the retry once', async () => {
    const c = await Client.connect(node, agent)
    expect(await c.op(observe('eng-o'))).toMatchObject({ type: 'ack', seq: 1 })

    await proxy.refuse()
    const st = { type: 'engagement.status', opId: opId(), engagementId: 'eng-o', changes: { state: 'inactive' }, at: Date.now() }
    c.send(st)
    expect(await c.reply(st.opId)).toMatchObject({ type: 'error', code: 'UNAVAILABLE', retryAfterMs: expect.any(Number) })
    await c.next('notice', (m) => m['code'] === 'saving-delayed')
    expect(c.closeCode).toBeUndefined()

    await proxy.restore()
    await c.next('notice', (m) => m['code'] === 'saving-resumed', 10_000)
    const before = c.received.length
    c.send(st)
    await expect.poll(() => c.received.slice(before).find((m) => m['opId'] === st.opId)).toMatchObject({ type: 'ack', seq: 2 })
    const rows = await node.store.query<{ n: number }>(`select count(*) as n from engagement_events where engagement_id = 'eng-o'`)
    expect(rows.rows[0]?.n).toBe(2)
    c.close()
  })
})
