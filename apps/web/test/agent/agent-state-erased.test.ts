/**
 * The agent page when the server erases an engagement it holds (retention period over, or an
 * administrator's erasure): the session, its notes, its unsent changes and its local copy go, the
 * agent is told, and nothing brings it back. Real Connection and sync client over a real
 * WebSocket to the protocol package's scripted t.server.
 */
import { describe, expect, it } from 'vitest'
import { MemoryOutbox } from '@switchboard/protocol/outbox'
import { AgentState } from '../../src/agent/agent-state.svelte.ts'
import { memoryDocStorage } from '../../src/agent/doc-storage.ts'
import { view } from '../../../../packages/protocol/test/helpers/fake-server.ts'
import { connectionsPerTest } from './connections.ts'

const t = connectionsPerTest()

describe('AgentState and engagement.erased', () => {
  it('drops the erased engagement (session, notes, unsent changes, local copy), says so, and never takes it up again', async () => {
    const outbox = new MemoryOutbox()
    const c = t.connection(outbox)
    const a = new AgentState(c)
    t.release(() => a.destroy())
    const storage = memoryDocStorage()
    a.useStorage(storage)
    await c.start()
    await expect.poll(() => c.status).toBe('connected')
    t.server.autoAck = false
    t.server.send({
      type: 'agent.engagements',
      engagements: [
        { ...view('e1', 0), consumers: [{ consumerDisplayName: 'Ada Lovelace' }] },
        { ...view('e2', 0), consumers: [{ consumerDisplayName: 'Bo Brown' }] },
      ],
    })
    await expect.poll(() => Object.keys(a.sessions).sort()).toEqual(['e1', 'e2'])
    await expect.poll(() => t.server.messages('subscribe').length).toBe(2)

    // Unsent changes on both, and a local copy of each.
    a.sessions['e1']!.setDisposition('Refund')
    a.sessions['e2']!.setDisposition('Sale')
    a.flushAll()
    expect(c.pendingOps().map((o) => o.engagementId).sort()).toEqual(['e1', 'e2'])
    expect([...storage.rows.keys()].sort()).toEqual(['e1', 'e2'])

    t.server.send({ type: 'engagement.erased', engagementId: 'e1' })
    await expect.poll(() => a.erased).toEqual([{ id: 'e1', consumer: 'Ada Lovelace' }])
    expect(Object.keys(a.sessions)).toEqual(['e2'])
    expect(Object.keys(a.serverViews)).toEqual(['e2'])
    expect(c.pendingOps().map((o) => o.engagementId)).toEqual(['e2'])
    await c.flushed()
    expect((await outbox.load()).map((o) => o.engagementId)).toEqual(['e2'])
    expect([...storage.rows.keys()]).toEqual(['e2'])
    expect(a.others.map((o) => o.id)).toEqual(['e2'])
    expect(a.erasedNotices.map((e) => e.id)).toEqual(['e1'])

    // Ops it held back, a late view and a reload's leftover edits do not bring it back.
    t.server.send({ type: 'engagement.changed', engagement: { ...view('e1', 3), consumers: [{ consumerDisplayName: 'Ada Lovelace' }] } })
    t.server.send({ type: 'engagement.changed', engagement: { ...view('e2', 3), state: 'inactive' } })
    await expect.poll(() => a.serverViews['e2']?.state).toBe('inactive')
    expect(a.sessions['e1']).toBeUndefined()
    expect(a.ensureSession('e1')).toBeNull()
    expect(t.server.messages('subscribe')).toEqual([{ type: 'subscribe', engagementId: 'e1' }, { type: 'subscribe', engagementId: 'e2' }])

    a.dismissErased('e1')
    expect(a.erasedNotices).toEqual([])
    expect(a.ensureSession('e1')).toBeNull()
  })
})
