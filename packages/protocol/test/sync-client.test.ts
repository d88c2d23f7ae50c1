import { describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import type { StateEvent, SyncClient, SyncClientOptions, WebSocketConstructor } from '../src/sync-client.ts'
import { MemoryOutbox } from '../src/outbox.ts'
import { backoffDelay } from '../src/backoff.ts'
import { CLOSE } from '../src/errors.ts'
import type { ServerMessage } from '../src/server-messages.ts'
import { PROTOCOL_VERSION } from '../src/version.ts'
import { fakeServerPerTest, logEvent, snapshot } from './helpers/fake-server.ts'

// The browser's WebSocket must fit the injected constructor type too (the `ws` one: helpers/fake-server.ts).
const browserCtor: WebSocketConstructor | undefined = undefined as typeof globalThis.WebSocket | undefined
void browserCtor

const fake = fakeServerPerTest()

function client(opts: Partial<SyncClientOptions> = {}): SyncClient & { states: StateEvent[]; messages: ServerMessage[] } {
  const c = fake.client(opts) as SyncClient & { states: StateEvent[]; messages: ServerMessage[] }
  c.states = []
  c.messages = []
  c.on('state', (s) => c.states.push(s))
  c.on('message', (m) => c.messages.push(m))
  return c
}

const focus = (engagementId = 'e1') => ({ type: 'engagement.focus' as const, engagementId, at: 1 })

/**
 * The client let erased `engagementId` go: only `kept` is unsent (in the outbox too), and after a
 * reconnect only `kept` is resent and nothing is resubscribed.
 */
async function expectLetGo(c: SyncClient, outbox: MemoryOutbox, engagementId: string, kept: string): Promise<void> {
  expect(c.pendingOps().map((o) => o.opId)).toEqual([kept])
  expect(c.lastSeq(engagementId)).toBeNull()
  await c.flushed()
  expect((await outbox.load()).map((o) => o.opId)).toEqual([kept])
  fake.server.last.close(CLOSE.SLOW_CONSUMER, 'behind')
  await expect.poll(() => fake.server.messages('engagement.focus', 2)).toEqual([expect.objectContaining({ opId: kept })])
  expect(fake.server.messages('subscribe', 2)).toEqual([])
}

describe('SyncClient against a real ws server', () => {
  it('sends hello first and is open after welcome', async () => {
    const c = client({ clientId: 'tab-42', surface: 'supervisor' })
    const welcomes: unknown[] = []
    c.on('welcome', (w) => welcomes.push(w))
    await c.start()
    await expect.poll(() => c.state).toBe('open')
    expect(fake.server.received[0]?.msg).toEqual({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: 'tab-42', surface: 'supervisor' })
    expect(c.states.map((s) => s.state)).toEqual(['connecting', 'open'])
    expect(welcomes).toHaveLength(1)
    expect(fake.server.rejected).toEqual([])
  })

  it('assigns a UUIDv7 opId, stores and sends the op, and an ack removes it from the outbox', async () => {
    const outbox = new MemoryOutbox()
    const c = client({ outbox })
    const acks: { opId: string; seq: number }[] = []
    c.on('ack', (a) => acks.push(a))
    await c.start()
    const opId = await c.send(focus())
    expect(opId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    await expect.poll(() => acks.map((a) => a.opId)).toEqual([opId])
    expect(c.pending).toBe(0)
    await c.flushed()
    expect(outbox.size).toBe(0)
    expect(c.states.at(-1)).toEqual({ state: 'open', pending: 0 })
  })

  it('queues ops while disconnected and sends them after welcome, in order', async () => {
    fake.server.autoAck = false
    const c = client()
    const a = await c.send(focus('e1'))
    const b = await c.send(focus('e2'))
    expect(c.pending).toBe(2)
    await c.start()
    await expect.poll(() => fake.server.ops()).toEqual([a, b])
  })

  it('resends every unacked op in order after the server closes the socket', async () => {
    fake.server.autoAck = false
    const c = client()
    await c.start()
    const ids = [await c.send(focus('e1')), await c.send(focus('e2')), await c.send(focus('e3'))]
    await expect.poll(() => fake.server.ops(1)).toEqual(ids)
    fake.server.ack(ids[0]!)
    await expect.poll(() => c.pending).toBe(2)
    fake.server.last.close(CLOSE.GOING_AWAY, 'restart')
    await expect.poll(() => fake.server.ops(2)).toEqual(ids.slice(1))
    expect(c.states.map((s) => s.state)).toContain('reconnecting')
    fake.server.autoAck = true
    fake.server.ack(ids[1]!, 'e2', fake.server.last)
    fake.server.ack(ids[2]!, 'e3', fake.server.last)
    await expect.poll(() => c.pending).toBe(0)
  })

  it('keeps unacked ops in the outbox for the next client instance (reload)', async () => {
    fake.server.autoAck = false
    const outbox = new MemoryOutbox()
    const first = client({ outbox })
    await first.start()
    const opId = await first.send(focus())
    await expect.poll(() => fake.server.ops()).toEqual([opId])
    first.close()
    const second = client({ outbox, clientId: 'tab-1' })
    fake.server.autoAck = true
    await second.start()
    await expect.poll(() => fake.server.ops(2)).toEqual([opId])
    await expect.poll(() => outbox.size).toBe(0)
  })

  it('handles a duplicate ack: one ack event, nothing else changes', async () => {
    fake.server.autoAck = false
    const c = client()
    const acks: { duplicate: boolean }[] = []
    c.on('ack', (a) => acks.push(a))
    await c.start()
    const opId = await c.send(focus())
    await expect.poll(() => fake.server.ops()).toEqual([opId])
    fake.server.ack(opId, 'e1', fake.server.last, { duplicate: true })
    fake.server.ack(opId, 'e1', fake.server.last, { duplicate: true })
    fake.server.send({ type: 'pong', t: 0, serverTime: 0 }) // a frame after both acks: both are processed once it arrives
    await expect.poll(() => c.messages.filter((m) => m.type === 'pong').length).toBe(1)
    expect(acks).toEqual([expect.objectContaining({ opId, duplicate: true })])
    expect(c.pending).toBe(0)
  })

  it('drops an op the server refuses for good and reports it', async () => {
    fake.server.onMessage = (msg) => {
      if (msg.type !== 'engagement.focus') return false
      fake.server.send({ type: 'error', code: 'FORBIDDEN', message: 'not yours', opId: msg.opId })
      return true
    }
    const outbox = new MemoryOutbox()
    const c = client({ outbox })
    const rejected: { code: string; opId: string }[] = []
    c.on('opRejected', (r) => rejected.push({ code: r.code, opId: r.op.opId }))
    await c.start()
    const opId = await c.send(focus())
    await expect.poll(() => rejected).toEqual([{ code: 'FORBIDDEN', opId }])
    expect(c.pending).toBe(0)
    await c.flushed()
    expect(outbox.size).toBe(0)
  })

  it('never sends an op whose frame exceeds the server\'s maxFrameBytes: refused FRAME_TOO_LARGE, dropped, the next op still goes', async () => {
    fake.server.maxFrameBytes = 2048
    const outbox = new MemoryOutbox()
    const c = client({ outbox })
    const rejected: { code: string; opId: string }[] = []
    c.on('opRejected', (r) => rejected.push({ code: r.code, opId: r.op.opId }))
    await c.start()
    await expect.poll(() => c.state).toBe('open')
    // 480 three-byte characters: 1,440 bytes of UTF-8 in 480 UTF-16 units, under the limit.
    const fits = await c.send({ type: 'help.set', engagementId: 'e1', raised: true, note: '€'.repeat(480) })
    const big = await c.send({ type: 'doc.update', engagementId: 'e1', update: 'A'.repeat(3000) })
    const small = await c.send(focus())
    await expect.poll(() => rejected).toEqual([{ code: 'FRAME_TOO_LARGE', opId: big }])
    await expect.poll(() => c.pending).toBe(0)
    expect(fake.server.received.map((r) => (r.msg as { opId?: string }).opId).filter(Boolean)).toEqual([fits, small])
    await c.flushed()
    expect(outbox.size).toBe(0)
  })

  it('on engagement.erased drops its subscription and its unsent ops (outbox too), keeps the others, and hands the message on', async () => {
    fake.server.autoAck = false
    fake.server.logs.set('e1', [logEvent(1)])
    const outbox = new MemoryOutbox()
    const c = client({ outbox })
    await c.start()
    c.subscribe('e1')
    await expect.poll(() => c.lastSeq('e1')).toBe(1)
    await c.send(focus('e1'))
    await c.send(focus('e1'))
    const kept = await c.send(focus('e2'))
    expect(c.pending).toBe(3)
    fake.server.send({ type: 'engagement.erased', engagementId: 'e1' })
    await expect.poll(() => c.messages.some((m) => m.type === 'engagement.erased')).toBe(true)
    expect(c.pending).toBe(1)
    await expectLetGo(c, outbox, 'e1', kept)
  })

  it('an op refused ENGAGEMENT_ERASED lets that engagement go as on engagement.erased (subscription, unsent ops), keeps the others, and reports it', async () => {
    fake.server.autoAck = false
    fake.server.logs.set('e1', [logEvent(1)])
    let refused: string | null = null
    fake.server.onMessage = (msg) => {
      if (msg.type !== 'engagement.focus' || msg.engagementId !== 'e1' || refused !== null) return false
      refused = msg.opId
      return true
    }
    const outbox = new MemoryOutbox()
    const c = client({ outbox })
    const rejected: { code: string; opId: string; pending: number }[] = []
    c.on('opRejected', (r) => rejected.push({ code: r.code, opId: r.op.opId, pending: c.pending }))
    await c.start()
    c.subscribe('e1')
    await expect.poll(() => c.lastSeq('e1')).toBe(1)
    const first = await c.send(focus('e1'))
    await c.send(focus('e1'))
    const kept = await c.send(focus('e2'))
    await expect.poll(() => refused).toBe(first)
    fake.server.send({ type: 'error', code: 'ENGAGEMENT_ERASED', message: 'erased', opId: first, engagementId: 'e1' })
    // Reported once, for the op refused, after the engagement's other ops went.
    await expect.poll(() => rejected).toEqual([{ code: 'ENGAGEMENT_ERASED', opId: first, pending: 1 }])
    await expectLetGo(c, outbox, 'e1', kept)
  })

  it('retries an op answered RATE_LIMITED after retryAfterMs, on the same connection', async () => {
    let refusals = 0
    fake.server.onMessage = (msg) => {
      if (msg.type !== 'engagement.focus' || refusals > 0) return false
      refusals++
      fake.server.send({ type: 'error', code: 'RATE_LIMITED', message: 'slow down', opId: msg.opId, retryAfterMs: 20 })
      return true
    }
    const c = client()
    await c.start()
    const opId = await c.send(focus())
    await expect.poll(() => c.pending).toBe(0)
    expect(fake.server.ops(1)).toEqual([opId, opId])
    expect(fake.server.connections).toBe(1)
  })

  it('while saving is delayed (UNAVAILABLE) probes with one op per retry interval; saving-resumed sends the rest at once', async () => {
    let down = true
    const arrivals: Array<{ opId: string; at: number }> = []
    fake.server.onMessage = (msg) => {
      if (!('opId' in msg) || !down) return false
      arrivals.push({ opId: msg.opId, at: performance.now() })
      fake.server.send({ type: 'error', code: 'UNAVAILABLE', message: 'delayed', opId: msg.opId, retryAfterMs: 40 })
      return true
    }
    const c = client()
    await c.start()
    await expect.poll(() => c.state).toBe('open')
    const ids: string[] = []
    for (let i = 0; i < 10; i++) ids.push(await c.send(focus(`e${i}`)))
    await expect.poll(() => arrivals.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(16)
    // The first refusal holds the queue: whatever followed it was sent one at a time, each after
    // the previous one's refusal plus the retry interval (before, the window went out every time).
    const first = arrivals.findIndex((a) => a.at - arrivals[0]!.at >= 35)
    expect(first).toBeGreaterThan(0)
    const probes = arrivals.slice(first, 16)
    for (let i = 1; i < probes.length; i++) expect(probes[i]!.at - probes[i - 1]!.at).toBeGreaterThanOrEqual(35)
    down = false
    fake.server.send({ type: 'notice', code: 'saving-resumed', message: 'Saving resumed.' })
    await expect.poll(() => c.pending, { timeout: 1_000 }).toBe(0)
    expect(fake.server.connections).toBe(1)
  })

  it('reports a server frame it cannot read (invalidFrame) and goes on with the next', async () => {
    const c = client()
    const invalid: Array<{ type: string | null; sample: string }> = []
    c.on('invalidFrame', (f) => invalid.push(f))
    await c.start()
    await expect.poll(() => c.state).toBe('open')
    fake.server.send({ type: 'board.delta', serverTime: 'soon', engagements: [], removedEngagements: [], agents: [] } as Record<string, unknown>)
    fake.server.last.send('not json')
    fake.server.send({ type: 'pong', t: 7, serverTime: 1 })
    await expect.poll(() => c.messages.some((m) => m.type === 'pong')).toBe(true)
    expect(invalid.map((f) => f.type)).toEqual(['board.delta', null])
    expect(invalid[0]!.sample).toContain('"serverTime":"soon"')
    expect(c.messages.some((m) => m.type === 'board.delta')).toBe(false)
  })

  it('keeps at most maxInFlight ops unacked on the wire', async () => {
    fake.server.autoAck = false
    const c = client({ maxInFlight: 2 })
    await c.start()
    await expect.poll(() => c.state).toBe('open')
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push(await c.send(focus(`e${i}`)))
    c.subscribe('barrier') // frames arrive in order: once this is in, every op sent before it is too
    await expect.poll(() => fake.server.messages('subscribe').length).toBe(1)
    expect(fake.server.ops()).toEqual(ids.slice(0, 2))
    fake.server.ack(ids[0]!)
    await expect.poll(() => fake.server.ops()).toEqual(ids.slice(0, 3))
  })

  it('resumes subscriptions after reconnect with afterSeq, and the board', async () => {
    fake.server.logs.set('e1', [logEvent(1), logEvent(2), logEvent(3)])
    const c = client()
    await c.start()
    c.subscribe('e1')
    c.subscribeBoard()
    await expect.poll(() => c.lastSeq('e1')).toBe(3)
    fake.server.send({ type: 'engagement.events', engagementId: 'e1', events: [logEvent(4)] })
    await expect.poll(() => c.lastSeq('e1')).toBe(4)
    fake.server.logs.set('e1', [1, 2, 3, 4, 5, 6].map(logEvent))
    fake.server.last.close(CLOSE.SLOW_CONSUMER, 'behind')
    await expect.poll(() => fake.server.messages('subscribe', 2)).toEqual([{ type: 'subscribe', engagementId: 'e1', afterSeq: 4 }])
    expect(fake.server.messages('board.subscribe', 2)).toHaveLength(1)
    await expect.poll(() => c.lastSeq('e1')).toBe(6)
    const seqs = c.messages.flatMap((m) => (m.type === 'engagement.events' ? m.events.map((e) => e.seq) : []))
    expect(seqs).toEqual([4, 5, 6])
  })

  it('on a gap asks for a snapshot, holding back events until it arrives; drops rows already seen', async () => {
    const c = client()
    const gaps: unknown[] = []
    c.on('gap', (g) => gaps.push(g))
    await c.start()
    fake.server.logs.set('e1', [logEvent(1), logEvent(2)])
    c.subscribe('e1')
    await expect.poll(() => c.lastSeq('e1')).toBe(2)
    fake.server.send({ type: 'engagement.events', engagementId: 'e1', events: [logEvent(2), logEvent(3)] })
    await expect.poll(() => c.lastSeq('e1')).toBe(3)
    fake.server.onMessage = (msg) => msg.type === 'subscribe' // hold the snapshot back
    fake.server.send({ type: 'engagement.events', engagementId: 'e1', events: [logEvent(5)] })
    await expect.poll(() => fake.server.messages('subscribe')).toEqual([
      { type: 'subscribe', engagementId: 'e1' }, { type: 'subscribe', engagementId: 'e1' },
    ])
    expect(gaps).toEqual([{ engagementId: 'e1', expectedSeq: 4, gotSeq: 5 }])
    fake.server.send({ type: 'engagement.events', engagementId: 'e1', events: [logEvent(6)] })
    fake.server.send(snapshot('e1', 6))
    await expect.poll(() => c.lastSeq('e1')).toBe(6)
    const e1 = c.messages.filter((m) => m.type.startsWith('engagement.'))
    expect(e1.map((m) => (m.type === 'engagement.events' ? m.events.map((e) => e.seq) : m.type))).toEqual([
      'engagement.snapshot', [3], 'engagement.snapshot',
    ])
  })

  it('handles a batch frame\'s messages in order, each as if alone; one it cannot read is skipped', async () => {
    fake.server.autoAck = false
    const c = client()
    const invalid: Array<{ type: string | null; sample: string }> = []
    const acks: string[] = []
    c.on('invalidFrame', (f) => invalid.push(f))
    c.on('ack', (a) => acks.push(a.opId))
    await c.start()
    fake.server.logs.set('e1', [logEvent(1)])
    c.subscribe('e1')
    await expect.poll(() => c.lastSeq('e1')).toBe(1)
    const id = await c.send(focus())
    const batch: Record<string, unknown> = {
      type: 'batch',
      messages: [
        { type: 'engagement.events', engagementId: 'e1', events: [logEvent(2)] },
        { type: 'board.delta', serverTime: 'soon' },
        { type: 'batch', messages: [] },
        { type: 'ack', opId: id, engagementId: 'e1', seq: 3 },
        { type: 'engagement.events', engagementId: 'e1', events: [logEvent(3)] },
      ],
    }
    fake.server.send(batch)
    await expect.poll(() => c.lastSeq('e1')).toBe(3)
    expect(acks).toEqual([id])
    expect(c.pending).toBe(0)
    expect(invalid.map((f) => f.type)).toEqual(['board.delta', 'batch'])
    // `message` for each message handed on, never for the batch itself.
    expect(c.messages.filter((m) => m.type !== 'welcome').map((m) => m.type)).toEqual([
      'engagement.snapshot', 'engagement.events', 'ack', 'engagement.events',
    ])
  })

  it('counts its own acked notes rows as seen (the server does not send them back), in or out of order', async () => {
    fake.server.autoAck = false
    const c = client()
    const gaps: unknown[] = []
    c.on('gap', (g) => gaps.push(g))
    await c.start()
    fake.server.logs.set('e1', [logEvent(1)])
    c.subscribe('e1')
    await expect.poll(() => c.lastSeq('e1')).toBe(1)
    const doc = (n: number) => ({ type: 'doc.update' as const, engagementId: 'e1', update: `AA${n}=` })
    const [a, b, d] = [await c.send(doc(1)), await c.send(doc(2)), await c.send(focus())]
    // Row 2 is ours: the ack moves the position on.
    fake.server.send({ type: 'ack', opId: a, engagementId: 'e1', seq: 2 })
    await expect.poll(() => c.lastSeq('e1')).toBe(2)
    // Row 4 is ours but row 3 (someone else's) has not come yet: held until it does.
    fake.server.send({ type: 'ack', opId: b, engagementId: 'e1', seq: 4 })
    // An ack of an op that is not a notes update moves nothing: its row comes as usual.
    fake.server.send({ type: 'ack', opId: d, engagementId: 'e1', seq: 5 })
    await expect.poll(() => c.pending).toBe(0)
    expect(c.lastSeq('e1')).toBe(2)
    fake.server.send({ type: 'engagement.events', engagementId: 'e1', events: [logEvent(3)] })
    await expect.poll(() => c.lastSeq('e1')).toBe(4)
    // Our own row sent anyway (we were behind when it was written) is dropped; no gap anywhere.
    fake.server.send({ type: 'engagement.events', engagementId: 'e1', events: [logEvent(4), logEvent(5)] })
    await expect.poll(() => c.lastSeq('e1')).toBe(5)
    expect(gaps).toEqual([])
    const seqs = c.messages.flatMap((m) => (m.type === 'engagement.events' ? m.events.map((e) => e.seq) : []))
    expect(seqs).toEqual([3, 5])
  })

  it('drops a silent connection after two heartbeat intervals and reconnects', async () => {
    fake.server.answerPings = false
    const c = client({ heartbeatMs: 30 })
    await c.start()
    await expect.poll(() => fake.server.connections).toBeGreaterThanOrEqual(2)
    await expect.poll(() => fake.server.closeCodes.get(1)).toBe(CLOSE.HEARTBEAT_TIMEOUT)
    expect(fake.server.messages('ping', 1).length).toBeGreaterThanOrEqual(1)
  })

  it('keeps a connection that answers pings', async () => {
    const c = client({ heartbeatMs: 100 }) // roomy, so a busy event loop is not mistaken for silence
    await c.start()
    await expect.poll(() => fake.server.messages('ping').length).toBeGreaterThanOrEqual(4)
    expect(fake.server.connections).toBe(1)
    expect(c.state).toBe('open')
  })

  it('stops on a terminal close code and reports it', async () => {
    const c = client({ random: () => 0 }) // a reconnect, if any, would be immediate
    await c.start()
    await expect.poll(() => c.state).toBe('open')
    fake.server.last.close(CLOSE.SESSION_EXPIRED, 'expired')
    await expect.poll(() => c.state).toBe('closed')
    expect(c.states.at(-1)).toMatchObject({ state: 'closed', closeCode: CLOSE.SESSION_EXPIRED, reason: 'expired' })
    // A negative can only be checked by waiting: many times the (zero) backoff delay.
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(fake.server.connections).toBe(1)
  })

  it('reconnects after a non-terminal application close code', async () => {
    const c = client({ random: () => 0 })
    await c.start()
    await expect.poll(() => c.state).toBe('open')
    fake.server.last.close(CLOSE.PROTOCOL_VIOLATION, 'oops')
    await expect.poll(() => fake.server.connections).toBe(2)
    await expect.poll(() => c.state).toBe('open')
  })

  it('backs off with full jitter within exponential bounds while the server is down', async () => {
    const url = fake.server.url
    await fake.server.close() // the client dials the dead port
    const c = client({ url, random: () => 0.5, backoff: { baseMs: 4, maxMs: 16 } })
    await c.start()
    await expect.poll(() => c.states.filter((s) => s.state === 'reconnecting' && s.delayMs !== undefined).length).toBeGreaterThanOrEqual(5)
    const delays = c.states.filter((s) => s.delayMs !== undefined).slice(0, 5)
    expect(delays.map((s) => [s.attempt, s.delayMs])).toEqual([[0, 2], [1, 4], [2, 8], [3, 8], [4, 8]])
  })

  it('goes offline on the host hint and reconnects when back online', async () => {
    const c = client()
    await c.start()
    await expect.poll(() => c.state).toBe('open')
    c.setOnline(false)
    expect(c.state).toBe('offline')
    await expect.poll(() => fake.server.closeCodes.get(1)).toBe(CLOSE.NORMAL)
    const opId = await c.send(focus())
    c.setOnline(true)
    await expect.poll(() => fake.server.ops(2)).toEqual([opId])
    await expect.poll(() => c.pending).toBe(0)
  })

  it('passes a fresh token on every attempt', async () => {
    const urls: string[] = []
    class Recording extends WebSocket {
      constructor(url: string) {
        urls.push(url)
        super(url)
      }
    }
    let n = 0
    const c = client({ WebSocket: Recording, getToken: () => `tok-${++n}`, random: () => 0 })
    await c.start()
    await expect.poll(() => c.state).toBe('open')
    fake.server.last.close(CLOSE.GOING_AWAY)
    await expect.poll(() => fake.server.connections).toBe(2)
    expect(urls).toEqual([`${fake.server.url}?token=tok-1`, `${fake.server.url}?token=tok-2`])
  })
})

describe('backoffDelay', () => {
  const opts = { baseMs: 100, maxMs: 1000 }
  it('is uniform in [0, min(max, base * 2^attempt))', () => {
    expect(backoffDelay(0, opts, () => 0)).toBe(0)
    expect(backoffDelay(0, opts, () => 0.999999)).toBe(99)
    expect(backoffDelay(3, opts, () => 0.5)).toBe(400)
    expect(backoffDelay(4, opts, () => 0.999999)).toBe(999)
    expect(backoffDelay(50, opts, () => 0.5)).toBe(500)
  })
  it('never exceeds the cap even if random returns 1', () => {
    expect(backoffDelay(10, opts, () => 1)).toBeLessThan(1000)
  })
})
