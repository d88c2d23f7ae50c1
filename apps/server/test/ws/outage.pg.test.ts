/**
 * The database becomes unreachable (a TCP proxy in front of Postgres is cut): ops are answered
 * UNAVAILABLE with a retry hint, sockets stay open, sessions get `saving-delayed`, then
 * `saving-resumed`; the retried op is committed once.
 */
import { createServer, connect, type Server, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../store/test-db.ts'
import { Client, createUser, observe, opId, startNode, type Node, type TestUser } from './harness.ts'

class Proxy {
  server: Server | undefined
  readonly sockets = new Set<Socket>()
  port = 0

  async start(port = 0): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(5432, '127.0.0.1')
      this.sockets.add(client).add(upstream)
      const drop = () => {
        client.destroy()
        upstream.destroy()
        this.sockets.delete(client)
        this.sockets.delete(upstream)
      }
      client.on('error', drop).on('close', drop)
      upstream.on('error', drop).on('close', drop)
      client.pipe(upstream).pipe(client)
    })
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve))
    const addr = this.server.address()
    this.port = typeof addr === 'object' && addr ? addr.port : 0
  }

  async cut(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    this.sockets.clear()
    await new Promise<void>((resolve) => this.server!.close(() => resolve()))
  }
}

let db: TestDatabase
let node: Node
const proxy = new Proxy()
const agent: TestUser = { accountId: 'acc1', id: 'agent1', role: 'agent', name: 'Ann' }

beforeAll(async () => {
  db = await createTestDatabase()
  await proxy.start()
  const url = new URL(db.url)
  url.port = String(proxy.port)
  node = await startNode({ databaseUrl: url.toString() })
  await createUser(node.store, agent)
})
afterAll(async () => {
  await node?.close()
  await proxy.cut().catch(() => {})
  await db?.drop()
})

describe('database outage', () => {
  it('answers UNAVAILABLE, keeps the socket, notices delay and resumption, commits the retry once', async () => {
    const c = await Client.connect(node, agent)
    const ob = observe('eng-o')
    c.send(ob)
    expect(await c.reply(ob.opId as string)).toMatchObject({ type: 'ack', seq: 1 })

    await proxy.cut()
    const st = { type: 'engagement.status', opId: opId(), engagementId: 'eng-o', changes: { state: 'inactive' }, at: Date.now() }
    c.send(st)
    expect(await c.reply(st.opId)).toMatchObject({ type: 'error', code: 'UNAVAILABLE', retryAfterMs: expect.any(Number) })
    await c.next('notice', (m) => m['code'] === 'saving-delayed')
    expect(c.closeCode).toBeUndefined()

    await proxy.start(proxy.port)
    await c.next('notice', (m) => m['code'] === 'saving-resumed', 10_000)
    const before = c.received.length
    c.send(st)
    await expect.poll(() => c.received.slice(before).find((m) => m['opId'] === st.opId)).toMatchObject({ type: 'ack', seq: 2 })
    const rows = await node.store.query<{ n: number }>(`select count(*) as n from engagement_events where engagement_id = 'eng-o'`)
    expect(rows.rows[0]?.n).toBe(2)
    c.close()
  })
})
