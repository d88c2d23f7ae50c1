/**
 * The agent page when the server erases an engagement it holds (retention period over, or an
 * administrator's erasure): the session, its notes, its unsent changes and its local copy go, the
 * agent is told, and nothing brings it back. Real Connection and sync client over a real
 * WebSocket to the protocol package's scripted server.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { MemoryOutbox } from '@switchboard/protocol/outbox'
import { AgentState } from '../../src/agent/agent-state.svelte.ts'
import { memoryDocStorage } from '../../src/agent/doc-storage.ts'
import { Connection } from '../../src/lib/connection.svelte.ts'
import { FakeServer, view } from '../../../../packages/protocol/test/helpers/fake-server.ts'

let server: FakeServer
let conn: Connection | null = null
let agent: AgentState | null = null
const g = globalThis as { WebSocket?: unknown }
const hadWebSocket = 'WebSocket' in g

beforeEach(async () => {
  if (!hadWebSocket) g.WebSocket = WebSocket
  server = await FakeServer.start()
})

afterEach(async () => {
  agent?.destroy()
  conn?.close()
  agent = conn = null
  await server.close()
  if (!hadWebSocket) delete g.WebSocket
})

describe('AgentState and engagement.erased', () => {
  it('drops the erased engagement (session, notes, unsent changes, local copy), says so, and never takes it up again', async () => {
    const outbox = new MemoryOutbox()
    const c = (conn = new Connection({
      surface: 'agent', clientId: 'tab-1', outbox, location: { protocol: 'http:', host: new URL(server.url).host },
    }))
    const a = (agent = new AgentState(c))
    const storage = memoryDocStorage()
    a.useStorage(storage)
    await c.start()
    await expect.poll(() => c.status).toBe('connected')
    server.autoAck = false
    server.send({
      type: 'agent.engagements',
      engagements: [
        { ...view('e1', 0), consumers: [{ consumerDisplayName: 'Ada Lovelace' }] },
        { ...view('e2', 0), consumers: [{ consumerDisplayName: 'Bo Brown' }] },
      ],
    })
    await expect.poll(() => Object.keys(a.sessions).sort()).toEqual(['e1', 'e2'])
    await expect.poll(() => server.messages('subscribe').length).toBe(2)

    // Unsent changes on both, and a local copy of each.
    a.sessions['e1']!.setDisposition('Refund')
    a.sessions['e2']!.setDisposition('Sale')
    a.flushAll()
    expect(c.pendingOps().map((o) => o.engagementId).sort()).toEqual(['e1', 'e2'])
    expect([...storage.rows.keys()].sort()).toEqual(['e1', 'e2'])

    server.send({ type: 'engagement.erased', engagementId: 'e1' })
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
    server.send({ type: 'engagement.changed', engagement: { ...view('e1', 3), consumers: [{ consumerDisplayName: 'Ada Lovelace' }] } })
    server.send({ type: 'engagement.changed', engagement: { ...view('e2', 3), state: 'inactive' } })
    await expect.poll(() => a.serverViews['e2']?.state).toBe('inactive')
    expect(a.sessions['e1']).toBeUndefined()
    expect(a.ensureSession('e1')).toBeNull()
    expect(server.messages('subscribe')).toEqual([{ type: 'subscribe', engagementId: 'e1' }, { type: 'subscribe', engagementId: 'e2' }])

    a.dismissErased('e1')
    expect(a.erasedNotices).toEqual([])
    expect(a.ensureSession('e1')).toBeNull()
  })
})
