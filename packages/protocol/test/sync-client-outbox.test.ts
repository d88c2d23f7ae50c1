/**
 * The sync client and a failing or adopting outbox: nothing the caller sends is dropped silently.
 * The outbox here is a real in-memory outbox with failures switched on (no IndexedDB in Node; the
 * IndexedDB outbox itself runs in Chromium in outbox-indexeddb.browser.test.ts).
 */
import { describe, expect, it } from 'vitest'
import type { SyncClient, SyncClientEvents, SyncClientOptions } from '../src/sync-client.ts'
import { MemoryOutbox } from '../src/outbox.ts'
import type { ClientOp } from '../src/client-messages.ts'
import { fakeServerPerTest } from './helpers/fake-server.ts'

/** A MemoryOutbox whose writes can fail, and whose `adopt()` hands over ops of "dead tabs". */
class TestOutbox extends MemoryOutbox {
  failPuts = 0
  readonly orphans: ClientOp[] = []
  adoptCalls = 0

  override async put(op: ClientOp): Promise<void> {
    if (this.failPuts > 0) {
      this.failPuts--
      throw new DOMException('could not be cloned', 'DataCloneError')
    }
    // As IndexedDB does: a structured clone of the op, which fails for what cannot be cloned.
    await super.put(structuredClone(op))
  }

  async adopt(): Promise<ClientOp[]> {
    this.adoptCalls++
    const ops = this.orphans.splice(0)
    for (const op of ops) await super.put(op)
    return ops
  }
}

const fake = fakeServerPerTest()

function client(opts: Partial<SyncClientOptions> = {}): SyncClient & { errors: SyncClientEvents['outboxError'][] } {
  const c = fake.client(opts) as SyncClient & { errors: SyncClientEvents['outboxError'][] }
  c.errors = []
  c.on('outboxError', (e) => c.errors.push(e))
  return c
}

const opId = (n: number) => `0190f3a2-7b1c-7def-8abc-${String(n).padStart(12, '0')}`

describe('SyncClient and its outbox', () => {
  it('stores and sends a plain copy of the op: proxies are cloneable, later mutations do not leak in', async () => {
    const outbox = new TestOutbox()
    const c = client({ outbox })
    c.setOnline(false)
    await c.start()
    // A Svelte `$state` object is a Proxy: structuredClone (and IndexedDB) refuse it.
    const context = new Proxy({ engagementId: 'e1', queueName: 'Billing' }, {})
    expect(() => structuredClone(context)).toThrow()
    const status = { state: 'active' as const, consumers: [{ consumerDisplayName: 'Ada' }] }
    const id = await c.send({ type: 'engagement.observe', engagementId: 'e1', context, status, at: 1 })
    status.consumers[0]!.consumerDisplayName = 'changed after send'
    expect(c.errors).toEqual([])
    const stored = await outbox.load()
    expect(stored).toEqual([{
      type: 'engagement.observe', opId: id, engagementId: 'e1',
      context: { engagementId: 'e1', queueName: 'Billing' }, status: { state: 'active', consumers: [{ consumerDisplayName: 'Ada' }] }, at: 1,
    }])
    c.setOnline(true)
    await expect.poll(() => fake.server.ops()).toEqual([id])
    expect(fake.server.messages('engagement.observe')[0]).toMatchObject({ status: { consumers: [{ consumerDisplayName: 'Ada' }] } })
    expect(fake.server.rejected).toEqual([])
  })

  it('sends an op without waiting for the outbox, and removes it from the outbox only after storing it', async () => {
    /** An outbox whose writes wait until released (a slow IndexedDB). */
    class SlowOutbox extends TestOutbox {
      readonly held: Array<() => void> = []
      override async put(op: ClientOp): Promise<void> {
        await new Promise<void>((release) => this.held.push(release))
        await super.put(op)
      }
    }
    const outbox = new SlowOutbox()
    const c = client({ outbox })
    await c.start()
    await expect.poll(() => c.state).toBe('open')
    fake.server.autoAck = false
    const { opId: id, stored } = c.queueOp({ type: 'engagement.focus', engagementId: 'e1', at: 1 })
    await expect.poll(() => fake.server.ops()).toEqual([id])
    expect(outbox.held).toHaveLength(1)
    fake.server.ack(id)
    await expect.poll(() => c.pending).toBe(0)
    outbox.held[0]!()
    await stored
    await c.flushed()
    expect(outbox.size).toBe(0)
  })

  it('rejects an op that cannot be encoded at all, instead of queueing what could never be sent', async () => {
    const c = client()
    c.setOnline(false)
    await c.start()
    const cyclic: Record<string, unknown> = { engagementId: 'e1' }
    cyclic['self'] = cyclic
    await expect(c.send({ type: 'engagement.observe', engagementId: 'e1', context: cyclic as never, at: 1 }))
      .rejects.toThrow(/engagement.observe op .* cannot be serialised/)
    expect(c.pending).toBe(0)
  })

  it('reports an op the outbox could not store, still sends it, and stores it on the next tick', async () => {
    const outbox = new TestOutbox()
    const c = client({ outbox, adoptEveryMs: 50 })
    c.setOnline(false)
    await c.start()
    outbox.failPuts = 1
    const id = await c.send({ type: 'engagement.focus', engagementId: 'e1', at: 1 })
    expect(c.errors).toHaveLength(1)
    expect(c.errors[0]).toMatchObject({ stage: 'store', op: { opId: id } })
    expect((c.errors[0]!.error as Error).name).toBe('DataCloneError')
    expect(c.pending).toBe(1)
    // Retried until stored: the op now survives a reload.
    await expect.poll(async () => (await outbox.load()).map((o) => o.opId)).toEqual([id])
    expect(c.errors).toHaveLength(1)
    c.setOnline(true)
    await expect.poll(() => fake.server.ops()).toEqual([id])
    await expect.poll(() => c.pending).toBe(0)
    expect(outbox.size).toBe(0)
  })

  it('sends an unstored op even if storing keeps failing, then stops retrying once it is acked', async () => {
    const outbox = new TestOutbox()
    const c = client({ outbox, adoptEveryMs: 20 })
    await c.start()
    await expect.poll(() => c.state).toBe('open')
    outbox.failPuts = 1_000
    const id = await c.send({ type: 'engagement.focus', engagementId: 'e1', at: 1 })
    await expect.poll(() => fake.server.ops()).toEqual([id])
    await expect.poll(() => c.pending).toBe(0)
    const retries = 1_000 - outbox.failPuts
    await expect.poll(() => outbox.adoptCalls).toBeGreaterThan(3) // several ticks later
    expect(1_000 - outbox.failPuts).toBe(retries)
    expect(c.errors.every((e) => e.stage === 'store' && e.op?.opId === id)).toBe(true)
  })

  it('adopts ops of tabs that die later, periodically, without a reconnect', async () => {
    const outbox = new TestOutbox()
    const c = client({ outbox, adoptEveryMs: 50 })
    await c.start()
    await expect.poll(() => c.state).toBe('open')
    const calls = outbox.adoptCalls
    const orphan: ClientOp = { type: 'engagement.focus', opId: opId(7), engagementId: 'e7', at: 7 }
    outbox.orphans.push(orphan)
    await expect.poll(() => fake.server.ops()).toEqual([orphan.opId])
    expect(outbox.adoptCalls).toBeGreaterThan(calls)
    expect(fake.server.connections).toBe(1)
    await expect.poll(() => c.pending).toBe(0)
  })
})
