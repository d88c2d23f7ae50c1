/**
 * Two batches of one engagement can finish out of order on a node: the later one (it waited for
 * the row lock, then committed) can have its commit reply back before the earlier one's. The
 * earlier batch's fan-out then carries an older projection than the one already out; boards and
 * the agent's sessions must not go back to it. Here the earlier commit's reply is held back on
 * purpose (the store is real Postgres; only the hand-back of one transaction's result waits).
 */
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import type { Store, Tx } from '../../src/store/port.ts'
import { nodeForFile, opId, twoSessionsAndBoard, type Client, type Msg, type TestUser } from './harness.ts'

/** op id whose batch's commit is handed back late, and by how much */
let holdOp: { opId: string; ms: number } | null = null
const agent: TestUser = { accountId: 'acc1', id: 'agent1', role: 'agent', name: 'Ann' }
const sup: TestUser = { accountId: 'acc1', id: 'sup1', role: 'supervisor', name: 'Sam' }

/** `store` with the writer's transactions handed back `holdOp.ms` late when they carry `holdOp`. */
function slowReplies(store: Store): Store {
  const writes = store.writes
  const slow = Object.create(store) as Store
  Object.defineProperty(slow, 'writes', {
    value: {
      query: writes.query.bind(writes),
      ping: writes.ping.bind(writes),
      async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
        const result = await writes.transaction(fn)
        const hold = holdOp
        const carries = (result as { results?: Array<{ op: { opId: string } }> }).results?.some((r) => r.op.opId === hold?.opId)
        if (hold && carries) await new Promise((r) => setTimeout(r, hold.ms))
        return result
      },
    },
  })
  return slow
}

const node = nodeForFile({ pg: true, users: [agent, sup], wrapStore: slowReplies })

const lastView = (c: Client, type: 'board.delta' | 'engagement.changed', id: string): Record<string, unknown> | undefined => {
  const views = c.of(type).flatMap((m: Msg) => (type === 'board.delta' ? (m['engagements'] as Array<Record<string, unknown>>) : [m['engagement'] as Record<string, unknown>]))
  return views.filter((v) => v['id'] === id).at(-1)
}

describe('fan-out when two batches of one engagement finish out of order', () => {
  it('boards and the agent end on the newest projection; every row still reaches the other session', async () => {
    const [a1, a2, board] = await twoSessionsAndBoard(node, agent, sup)
    await a1.observe('eng-order')
    await a2.watch('eng-order')

    // A: a status change whose commit reply comes back 600 ms late. B: a notes update sent
    // while A's reply is held; it takes the row lock after A's commit and finishes first.
    const status = { type: 'engagement.status', opId: opId(), engagementId: 'eng-order', changes: { state: 'inactive' }, at: Date.now() }
    holdOp = { opId: status.opId, ms: 600 }
    a1.send(status)
    await new Promise((r) => setTimeout(r, 150))
    const doc = new Y.Doc()
    doc.getText('notes').insert(0, 'Typed while the status commit was in flight.')
    const notes = { type: 'doc.update', opId: opId(), engagementId: 'eng-order', update: Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64') }
    a1.send(notes)
    const notesAck = await a1.reply(notes.opId)
    const statusAck = await a1.reply(status.opId, 5_000)
    holdOp = null
    // The race happened: the later row was acked (and fanned out) before the earlier one.
    expect(Number(notesAck['seq'])).toBe(Number(statusAck['seq']) + 1)
    expect(a1.received.indexOf(notesAck)).toBeLessThan(a1.received.indexOf(statusAck))

    const newest = Number(notesAck['seq'])
    await new Promise((r) => setTimeout(r, 300)) // a few board ticks after A's late fan-out
    expect(lastView(board, 'board.delta', 'eng-order')).toMatchObject({ lastSeq: newest, state: 'inactive', notesPreview: 'Typed while the status commit was in flight.' })
    await expect.poll(() => lastView(a1, 'engagement.changed', 'eng-order')?.['state']).toBe('inactive')
    expect(Number(lastView(a1, 'engagement.changed', 'eng-order')!['lastSeq'])).toBeGreaterThanOrEqual(newest)
    // The other session holds both rows as events, in order (the gap was caught up from the log).
    await expect.poll(() => a2.of('engagement.events').flatMap((m) => (m['events'] as Array<{ seq: number }>).map((e) => e.seq)).filter((s) => s >= newest - 1))
      .toEqual([newest - 1, newest])
    for (const c of [a1, a2, board]) c.close()
  })
})
