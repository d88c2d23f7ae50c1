/**
 * The agent page when the server erases an engagement it holds (retention period over, or an
 * administrator's erasure): the session, its notes, its unsent changes and its local copy go, the
 * agent is told, and nothing brings it back; an observe the server refuses ENGAGEMENT_ERASED (the
 * page loaded while Zoom still shows an engagement erased before) is the same news. Real
 * Connection and sync client over a real WebSocket to the protocol package's scripted t.server.
 */
import { describe, expect, it } from 'vitest'
import { EventHub } from '@switchboard/protocol/emitter'
import { MemoryOutbox } from '@switchboard/protocol/outbox'
import { AgentState } from '../../src/agent/agent-state.svelte.ts'
import { memoryDocStorage } from '../../src/agent/doc-storage.ts'
import type { EngagementSource } from '../../src/agent/zoom/engagement-sync.ts'
import type { LaunchResult } from '../../src/agent/zoom/adapter.ts'
import type { ZoomAdapterEvents } from '../../src/agent/zoom/types.ts'
import { view } from '../../../../packages/protocol/test/helpers/fake-server.ts'
import { connectionsPerTest } from './connections.ts'

const t = connectionsPerTest()

/** Zoom showing engagement `id` (with Pat Doe) at launch, and answering reads about it. */
class ShowingSource implements EngagementSource {
  readonly events = new EventHub<ZoomAdapterEvents>()
  readonly id: string
  constructor(id: string) {
    this.id = id
  }
  readonly context = () => ({ engagementId: this.id, queueName: 'Support' })
  readonly status = () => ({ state: 'active' as const, channel: 'voice', consumers: [{ consumerDisplayName: 'Pat Doe' }] })
  launch(): Promise<LaunchResult> {
    return Promise.resolve({
      config: { runningContext: 'inContactCenter', clientVersion: '6.2.5', unsupportedApis: [], auth: null, product: null },
      runningContext: 'inContactCenter',
      engagement: { context: this.context(), status: { engagementId: this.id, status: this.status() }, variables: [] },
    })
  }
  getEngagementContext() { return Promise.resolve(this.context()) }
  getEngagementStatus() { return Promise.resolve({ engagementId: this.id, status: this.status() }) }
  getEngagementVariables() { return Promise.resolve([]) }
  on<K extends keyof ZoomAdapterEvents>(name: K, fn: (p: ZoomAdapterEvents[K]) => void) { return this.events.on(name, fn) }
}

/** The agent page's state on a Connection to the scripted server, with an outbox and local copies. */
function agentPage() {
    const outbox = new MemoryOutbox()
    const c = t.connection(outbox)
    const a = new AgentState(c)
    t.release(() => a.destroy())
    const storage = memoryDocStorage()
    a.useStorage(storage)
  return { outbox, c, a, storage }
}

describe('AgentState and engagement.erased', () => {
  it('drops the erased engagement (session, notes, unsent changes, local copy), says so, and never takes it up again', async () => {
    const { outbox, c, a, storage } = agentPage()
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

  it('an observe refused ENGAGEMENT_ERASED (a reload while Zoom still shows an erased engagement) is the same news: notice, nothing sent or kept, no error shown', async () => {
    const { outbox, c, a, storage } = agentPage()
    // The server erased e7 before this page loaded: it refuses the observe, and answers the rest
    // about it NOT_FOUND (were any still sent: they are not).
    t.server.onMessage = (msg) => {
      if (!('opId' in msg) || msg.engagementId !== 'e7') return false
      const code = msg.type === 'engagement.observe' ? 'ENGAGEMENT_ERASED' : 'NOT_FOUND'
      t.server.send({ type: 'error', code, message: code, opId: msg.opId, engagementId: 'e7' })
      return true
    }
    await c.start()
    await expect.poll(() => c.status).toBe('connected')
    const source = new ShowingSource('e7')
    await a.attach(source).launched

    await expect.poll(() => a.erased).toEqual([{ id: 'e7', consumer: 'Pat Doe' }])
    expect(a.focusedErased?.id).toBe('e7')
    expect(a.sessions['e7']).toBeUndefined()
    expect(a.ensureSession('e7')).toBeNull()
    expect(c.lastError).toBeNull()
    await expect.poll(() => c.pendingOps()).toEqual([])
    await c.flushed()
    expect(await outbox.load()).toEqual([])
    expect([...storage.rows.keys()]).toEqual([])
    expect(t.server.messages('subscribe')).toEqual([])

    // Zoom keeps reporting it: nothing more goes out about it.
    const sent = t.server.received.length
    source.events.emit('status', { engagementId: 'e7', changes: { state: 'wrap-up' }, timestamp: Date.now() })
    await new Promise((r) => setTimeout(r, 50))
    expect(t.server.received.slice(sent).map((r) => r.msg.type)).toEqual([])
  })
})
