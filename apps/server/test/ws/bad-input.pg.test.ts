/**
 * Bad input: each case gets its documented code (ERRORS / CLOSE), writes nothing, and the
 * server keeps serving a bystander connection.
 */
import { randomUUID } from 'node:crypto'
import * as Y from 'yjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLOSE, PROTOCOL_VERSION } from '@switchboard/protocol'
import { memoryLogger } from '../core/helpers.ts'
import { createTestDatabase, type TestDatabase } from '../store/test-db.ts'
import { MAX_INVALID_FRAMES } from '../../src/ws/handlers.ts'
import { Client, createUser, observe, opId, startNode, wsToken, type Msg, type Node, type TestUser } from './harness.ts'

let db: TestDatabase
let node: Node
let bystander: Client
const logs = memoryLogger({ nodeId: 'bad-input' })
const agent: TestUser = { accountId: 'acc1', id: 'agent1', role: 'agent', name: 'Ann' }
const other: TestUser = { accountId: 'acc2', id: 'agent9', role: 'agent', name: 'Otto' }
const watcher: TestUser = { accountId: 'acc1', id: 'agent2', role: 'agent', name: 'Bea' }

async function counts(): Promise<{ events: number; engagements: number }> {
  const r = await node.store.query<{ events: number; engagements: number }>(
    'select (select count(*) from engagement_events) as events, (select count(*) from engagements) as engagements')
  return r.rows[0]!
}

/** The bystander still gets an op committed and acked. */
async function stillServing(): Promise<void> {
  expect(await bystander.op({ type: 'engagement.focus', engagementId: 'bystander-eng', at: Date.now() })).toMatchObject({ type: 'ack' })
  // Unfocus by focusing the other engagement so the next focus is a new row again.
  const back = { type: 'engagement.focus', opId: opId(), engagementId: 'bystander-eng-2', at: Date.now() }
  bystander.send(back)
  await bystander.reply(back.opId)
}

/** Runs `bad`, then checks nothing was written and the bystander is unaffected. */
async function writesNothing(bad: () => Promise<void>): Promise<void> {
  const before = await counts()
  await bad()
  expect(await counts()).toEqual(before)
  await stillServing()
}

beforeAll(async () => {
  db = await createTestDatabase()
  node = await startNode({ databaseUrl: db.url, logger: logs.logger, env: { WS_OPS_PER_SECOND: '20', WS_OPS_BURST: '30', ALLOWED_ORIGINS: 'https://allowed.example' } })
  for (const u of [agent, other, watcher]) await createUser(node.store, u)
  const by: TestUser = { accountId: 'acc1', id: 'bystander', role: 'agent', name: 'By' }
  await createUser(node.store, by)
  bystander = await Client.connect(node, by)
  for (const id of ['bystander-eng', 'bystander-eng-2']) {
    const o = observe(id)
    bystander.send(o)
    await bystander.reply(o.opId as string)
  }
  // An engagement of another account with the same id as one in acc1.
  const o = await Client.connect(node, other)
  await o.observe('eng-other')
  o.close()
})
afterAll(async () => {
  bystander?.close()
  await node?.close()
  await db?.drop()
})

describe('bad input on /ws', () => {
  it('malformed JSON -> BAD_JSON', async () => {
    const c = await Client.connect(node, agent)
    await writesNothing(async () => {
      c.send('{"type": "engagement.observe", "opId": ')
      expect(await c.next('error')).toMatchObject({ code: 'BAD_JSON' })
    })
    c.close()
  })

  it('unknown type -> UNKNOWN_TYPE', async () => {
    const c = await Client.connect(node, agent)
    await writesNothing(async () => {
      const id = opId()
      c.send({ type: 'engagement.delete', opId: id, engagementId: 'x' })
      expect(await c.next('error')).toMatchObject({ code: 'UNKNOWN_TYPE', opId: id })
    })
    c.close()
  })

  it('wrong field types -> BAD_MESSAGE with the opId', async () => {
    const c = await Client.connect(node, agent)
    await writesNothing(async () => {
      const bad: Msg = { ...observe('eng-bad'), at: 'yesterday' }
      c.send(bad)
      expect(await c.reply(bad['opId'] as string)).toMatchObject({ type: 'error', code: 'BAD_MESSAGE' })
      expect(await c.op({ type: 'engagement.status', engagementId: 'eng-bad', changes: { state: 'exploded' }, at: 1 })).toMatchObject({ type: 'error', code: 'BAD_MESSAGE' })
    })
    c.close()
  })

  it('unknown fields -> BAD_MESSAGE', async () => {
    const c = await Client.connect(node, agent)
    await writesNothing(async () => {
      const bad: Msg = { ...observe('eng-bad'), admin: true }
      c.send(bad)
      expect(await c.reply(bad['opId'] as string)).toMatchObject({ type: 'error', code: 'BAD_MESSAGE' })
    })
    c.close()
  })

  it('a doc.update that is not a Yjs update -> BAD_MESSAGE', async () => {
    const c = await Client.connect(node, agent)
    await c.observe('eng-doc')
    await writesNothing(async () => {
      expect(await c.op({ type: 'doc.update', engagementId: 'eng-doc', update: Buffer.from('hello world').toString('base64') })).toMatchObject({ type: 'error', code: 'BAD_MESSAGE' })
    })
    c.close()
  })

  it('binary frame -> BINARY_NOT_SUPPORTED', async () => {
    const c = await Client.connect(node, agent)
    await writesNothing(async () => {
      c.ws.send(Buffer.from(JSON.stringify(observe('eng-bin'))), { binary: true })
      expect(await c.next('error')).toMatchObject({ code: 'BINARY_NOT_SUPPORTED' })
    })
    c.close()
  })

  it('oversized frame -> error FRAME_TOO_LARGE, then closed with 1009 (MESSAGE_TOO_BIG); one warning line however many', async () => {
    const doc = new Y.Doc()
    doc.getText('notes').insert(0, 'x'.repeat(80_000))
    const big = { type: 'doc.update', opId: opId(), engagementId: 'eng-doc', update: Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64') }
    const before = logs.lines.length
    await writesNothing(async () => {
      for (let i = 0; i < 5; i++) {
        const c = await Client.connect(node, agent)
        c.send({ ...big, opId: opId() })
        expect(await c.closed()).toBe(CLOSE.MESSAGE_TOO_BIG)
        // The frame is not read, so the error names no op.
        expect(c.of('error')).toEqual([{ type: 'error', code: 'FRAME_TOO_LARGE', message: expect.stringContaining('65536') }])
      }
    })
    const lines = logs.lines.slice(before).map((l) => JSON.parse(l) as { level: number; msg: string; suppressed?: number })
    expect(lines.filter((l) => l.level >= 50)).toEqual([])
    expect(lines.filter((l) => l.msg.includes('WS_MAX_FRAME_BYTES'))).toHaveLength(1)
    expect(logs.lines.slice(before).join('')).not.toContain('"stack"')
  })

  it('an op before hello -> HELLO_REQUIRED', async () => {
    const c = new Client(node.url, { token: wsToken(agent) })
    await c.opened
    await writesNothing(async () => {
      expect(await c.op(observe('eng-early'))).toMatchObject({ type: 'error', code: 'HELLO_REQUIRED' })
    })
    c.close()
  })

  it('an unsupported protocol version -> VERSION_UNSUPPORTED and close 4005', async () => {
    const c = new Client(node.url, { token: wsToken(agent) })
    await c.opened
    c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION + 1, clientId: randomUUID(), surface: 'agent' })
    expect(await c.next('error')).toMatchObject({ code: 'VERSION_UNSUPPORTED' })
    expect(await c.closed()).toBe(CLOSE.VERSION_UNSUPPORTED)
  })

  it('an op on another account\'s engagement -> NOT_FOUND, never revealing it', async () => {
    const c = await Client.connect(node, agent)
    await writesNothing(async () => {
      expect(await c.op({ type: 'engagement.status', engagementId: 'eng-other', changes: { state: 'end' }, at: Date.now() })).toMatchObject({ type: 'error', code: 'NOT_FOUND' })
      c.send({ type: 'subscribe', engagementId: 'eng-other' })
      expect(await c.next('error', (m) => m['engagementId'] === 'eng-other' && m['opId'] === undefined)).toMatchObject({ code: 'NOT_FOUND' })
    })
    const res = await node.store.query<{ state: string }>(`select state from engagements where account_id = 'acc2' and id = 'eng-other'`)
    expect(res.rows[0]?.state).toBe('active')
    c.close()
  })

  it('an op on another agent\'s engagement of the same account -> NOT_FOUND', async () => {
    const c = await Client.connect(node, watcher)
    await writesNothing(async () => {
      expect(await c.op({ type: 'help.set', engagementId: 'bystander-eng', raised: true })).toMatchObject({ type: 'error', code: 'NOT_FOUND' })
    })
    c.close()
  })

  it('a supervisor-only op from an agent -> FORBIDDEN', async () => {
    const c = await Client.connect(node, agent)
    await writesNothing(async () => {
      expect(await c.op({ type: 'whisper.send', engagementId: 'bystander-eng', text: 'psst' })).toMatchObject({ type: 'error', code: 'FORBIDDEN' })
      c.send({ type: 'board.subscribe' })
      expect(await c.next('error', (m) => m['opId'] === undefined)).toMatchObject({ code: 'FORBIDDEN' })
    })
    expect(c.of('board.snapshot')).toEqual([])
    c.close()
  })

  it('a flood of ops -> RATE_LIMITED with retryAfterMs, then close 4008; others unaffected', async () => {
    const c = await Client.connect(node, agent)
    const before = await counts()
    // Garbage-free but pointless ops: pings count against the same bucket.
    for (let i = 0; i < 200; i++) c.send({ type: 'ping', t: i })
    expect(await c.next('error', (m) => m['code'] === 'RATE_LIMITED')).toMatchObject({ retryAfterMs: expect.any(Number) })
    expect(await c.closed()).toBe(CLOSE.RATE_LIMITED)
    expect(await counts()).toEqual(before)
    await stillServing()
  })

  it('repeated protocol violations -> each answered, then close 4000; others unaffected', async () => {
    const c = await Client.connect(node, agent)
    const before = await counts()
    // Paced under the rate limit (20/s here), so only the violation budget can close it.
    for (let i = 0; i < MAX_INVALID_FRAMES; i++) {
      c.send(i % 2 === 0 ? '{"type":' : { type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: randomUUID(), surface: 'agent' })
      await new Promise((r) => setTimeout(r, 55))
    }
    const ping = { type: 'ping', t: 1 }
    c.send(ping)
    expect(await c.next('pong')).toMatchObject({ t: 1 })
    expect(c.closeCode).toBeUndefined()
    expect(c.of('error').map((m) => m['code'])).toEqual(Array.from({ length: MAX_INVALID_FRAMES }, (_, i) => (i % 2 === 0 ? 'BAD_JSON' : 'ALREADY_HELLO')))
    c.send('not json')
    expect(await c.closed()).toBe(CLOSE.PROTOCOL_VIOLATION)
    expect(await counts()).toEqual(before)
    await stillServing()
  })

  it('refuses the upgrade without a session (401) or from a foreign Origin (403)', async () => {
    const anon = new Client(node.url)
    await expect(anon.opened).rejects.toMatchObject({ status: 401 })
    const bad = new Client(node.url, { token: 'not-a-token' })
    await expect(bad.opened).rejects.toMatchObject({ status: 401 })
    const foreign = new Client(node.url, { token: wsToken(agent), headers: { origin: 'https://evil.example' } })
    await expect(foreign.opened).rejects.toMatchObject({ status: 403 })
    const allowed = new Client(node.url, { token: wsToken(agent), headers: { origin: 'https://allowed.example' } })
    await allowed.opened
    allowed.close()
    await stillServing()
  })
})
