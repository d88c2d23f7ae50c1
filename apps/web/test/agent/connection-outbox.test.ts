/**
 * The page's Connection when the device outbox fails: the person is told (their unsent changes are
 * only in memory), and the warning goes away once everything reached the t.server. Real sync client
 * over a real WebSocket to the protocol package's scripted t.server.
 */
import { describe, expect, it } from 'vitest'
import { MemoryOutbox } from '@switchboard/protocol/outbox'
import type { ClientOp } from '@switchboard/protocol'
import { OUTBOX_ERROR, type Connection } from '../../src/lib/connection.svelte.ts'
import { STORAGE_FAILED_MESSAGE } from '../../src/lib/status-text.ts'
import { connectionsPerTest } from './connections.ts'

/** An outbox whose writes fail like IndexedDB's (quota, a closed database). */
class FailingOutbox extends MemoryOutbox {
  fail = true
  override async put(op: ClientOp): Promise<void> {
    if (this.fail) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError')
    await super.put(op)
  }
}

const t = connectionsPerTest()
const make = (outbox: MemoryOutbox): Connection => t.connection(outbox)

function open(outbox: MemoryOutbox): Connection {
  const c = make(outbox)
  void c.start()
  return c
}

describe('Connection sending', () => {
  it('queues an op sent before start under its one id, copied once: reactive objects become storable data', async () => {
    const outbox = new FailingOutbox()
    outbox.fail = false
    const c = make(outbox)
    // What a Svelte `$state` object is in the browser, and a plain object changed right after.
    const context = new Proxy({ engagementId: 'e1', queueName: 'Billing' }, {})
    const status = { state: 'active' as const, consumers: [{ consumerDisplayName: 'Ada' }] }
    const opId = c.send({ type: 'engagement.observe', engagementId: 'e1', context, status, at: 1 })
    status.consumers[0]!.consumerDisplayName = 'changed'
    expect(c.pending).toBe(1)
    expect(opId).toMatch(/^[0-9a-f-]{36}$/)

    t.server.autoAck = false
    void c.start()
    await expect.poll(() => t.server.ops()).toEqual([opId])
    const [sent] = t.server.messages('engagement.observe')
    expect(sent).toMatchObject({ opId, context: { engagementId: 'e1', queueName: 'Billing' }, status: { consumers: [{ consumerDisplayName: 'Ada' }] } })
    const stored = await outbox.load()
    expect(() => structuredClone(stored)).not.toThrow()
    expect(stored).toEqual([sent])
    t.server.ack(opId)
    await expect.poll(() => c.pending).toBe(0)
  })

  it('reports an op that cannot be encoded instead of dropping it silently', () => {
    const c = make(new MemoryOutbox())
    const cyclic: Record<string, unknown> = { engagementId: 'e1' }
    cyclic['self'] = cyclic
    c.send({ type: 'engagement.observe', engagementId: 'e1', context: cyclic as never, at: 1 })
    expect(c.lastError?.code).toBe('BAD_MESSAGE')
    expect(c.pending).toBe(0)
  })
})

describe('Connection and the device outbox', () => {
  it('says changes could not be stored on this device, and clears it once they are saved', async () => {
    t.server.autoAck = false
    const outbox = new FailingOutbox()
    const c = open(outbox)
    await expect.poll(() => c.status).toBe('connected')
    const opId = c.send({ type: 'engagement.focus', engagementId: 'e1', at: 1 })
    await expect.poll(() => c.lastError).toEqual({ code: OUTBOX_ERROR, message: STORAGE_FAILED_MESSAGE })
    expect(c.storageFailed).toBe(true)
    // Not stored, but not dropped either: it is sent from memory.
    await expect.poll(() => t.server.ops()).toEqual([opId])
    expect(c.pending).toBe(1)
    t.server.ack(opId)
    await expect.poll(() => c.pending).toBe(0)
    expect(c.storageFailed).toBe(false)
    expect(c.lastError).toBeNull()
    expect(c.text.label).toBe('All changes saved')
  })

  it('keeps an unrelated error (a rejected op) when the storage warning clears', async () => {
    const outbox = new FailingOutbox()
    const c = open(outbox)
    await expect.poll(() => c.status).toBe('connected')
    t.server.autoAck = false
    const opId = c.send({ type: 'engagement.focus', engagementId: 'e1', at: 1 })
    await expect.poll(() => c.storageFailed).toBe(true)
    await expect.poll(() => t.server.ops()).toEqual([opId])
    t.server.send({ type: 'error', code: 'FORBIDDEN', message: 'You are not allowed to do that.', opId })
    await expect.poll(() => c.pending).toBe(0)
    expect(c.storageFailed).toBe(false)
    expect(c.lastError).toEqual({ code: 'FORBIDDEN', message: 'You are not allowed to do that.' })
  })

  it('stays quiet when the outbox works', async () => {
    const outbox = new FailingOutbox()
    outbox.fail = false
    const c = open(outbox)
    await expect.poll(() => c.status).toBe('connected')
    c.send({ type: 'engagement.focus', engagementId: 'e1', at: 1 })
    await expect.poll(() => t.server.ops().length).toBe(1)
    await expect.poll(() => c.pending).toBe(0)
    expect(c.storageFailed).toBe(false)
    expect(c.lastError).toBeNull()
  })
})
