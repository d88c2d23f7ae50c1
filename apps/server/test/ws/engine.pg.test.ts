import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { Client, nodeForFile, observe, opId, twoSessionsAndBoard, type TestUser } from './harness.ts'

const agent: TestUser = { accountId: 'acc1', id: 'agent1', role: 'agent', name: 'Ann Agent' }
const sup: TestUser = { accountId: 'acc1', id: 'sup1', role: 'supervisor', name: 'Sam Super' }

const node = nodeForFile({ pg: true, users: [agent, sup] })

function docUpdate(fn: (doc: Y.Doc) => void, base?: Y.Doc): string {
  const doc = base ?? new Y.Doc()
  const before = Y.encodeStateVector(doc)
  fn(doc)
  return Buffer.from(Y.encodeStateAsUpdate(doc, before)).toString('base64')
}

describe('engine on one node', () => {
  it('acks after commit, fans out to the agent\'s other session, the watcher and the board', async () => {
    const [a1, a2, board] = await twoSessionsAndBoard(node, agent, sup)
    await a1.next('agent.engagements')

    expect(await a1.op(observe('eng-1'))).toMatchObject({ type: 'ack', engagementId: 'eng-1', seq: 1 })

    const st = { type: 'engagement.status', opId: opId(), engagementId: 'eng-1', changes: { state: 'inactive' }, zoomTimestamp: 1000, at: Date.now() }
    a1.send(st)
    expect(await a1.reply(st.opId)).toMatchObject({ type: 'ack', seq: 2 })
    // The same Zoom event reported by the agent's second session is a duplicate of seq 2.
    expect(await a2.op({ ...st, opId: opId() })).toMatchObject({ type: 'ack', seq: 2, duplicate: true })
    // A repeated opId returns the first ack.
    a1.send(st)
    await expect.poll(() => a1.of('ack').filter((m) => m['opId'] === st.opId).length).toBe(2)
    expect(a1.of('ack').filter((m) => m['opId'] === st.opId)[1]).toMatchObject({ seq: 2, duplicate: true })

    const doc = new Y.Doc()
    expect(await a1.op({ type: 'doc.update', engagementId: 'eng-1', update: docUpdate((d) => d.getText('notes').insert(0, 'first line\ncustomer wants a refund'), doc) })).toMatchObject({ type: 'ack', seq: 3 })

    // The second session follows the agent's engagements live.
    await expect.poll(() => a2.of('engagement.events').flatMap((m) => (m['events'] as { seq: number }[]).map((e) => e.seq))).toEqual([1, 2, 3])
    await a2.next('engagement.changed')

    // The board gets coalesced deltas with the preview.
    await expect.poll(() => board.of('board.delta').some((m) =>
      (m['engagements'] as { id: string; notesPreview: string; state: string }[]).some((e) => e.id === 'eng-1' && e.notesPreview === 'customer wants a refund' && e.state === 'inactive'))).toBe(true)

    // A supervisor watching gets a snapshot holding the notes, then live rows.
    const watch = await Client.connect(node, sup, 'supervisor')
    watch.send({ type: 'subscribe', engagementId: 'eng-1' })
    const snap = await watch.next('engagement.snapshot')
    expect(snap).toMatchObject({ seq: 3, reason: 'subscribe', engagement: { id: 'eng-1', agentId: 'agent1', state: 'inactive' } })
    const copy = new Y.Doc()
    Y.applyUpdate(copy, Buffer.from(snap['doc'] as string, 'base64'))
    expect(copy.getText('notes').toString()).toBe('first line\ncustomer wants a refund')

    expect(await watch.op({ type: 'whisper.send', engagementId: 'eng-1', text: 'offer 10% off' })).toMatchObject({ type: 'ack', seq: 4 })
    // Every session of the agent gets the whisper.
    for (const c of [a1, a2]) {
      await expect.poll(() => c.of('engagement.events').some((m) => (m['events'] as { kind: string }[]).some((e) => e.kind === 'whisper'))).toBe(true)
    }
    expect(await a2.op({ type: 'whisper.read', engagementId: 'eng-1', whisperSeq: 4 })).toMatchObject({ type: 'ack', seq: 5 })
    // The read receipt flows back to the watching supervisor.
    await expect.poll(() => watch.of('engagement.events').some((m) => (m['events'] as { kind: string }[]).some((e) => e.kind === 'whisper.read'))).toBe(true)

    const rows = await node.store.query<{ seq: number; kind: string }>(`select seq, kind from engagement_events where engagement_id = 'eng-1' order by seq`)
    expect(rows.rows.map((r) => r.kind)).toEqual(['context', 'status', 'doc', 'whisper', 'whisper.read'])
    // The stored text projection follows by compaction (about a second after typing stops).
    await expect.poll(async () => (await node.store.query<{ plain_text: string }>(
      `select plain_text from notes_docs where engagement_id = 'eng-1'`)).rows[0]?.plain_text, { timeout: 5000 }).toBe('first line\ncustomer wants a refund')
    for (const c of [a1, a2, board, watch]) c.close()
  })

  it('an observe and its first notes in one batch: both acked, the notes stored', async () => {
    const a = await Client.connect(node, agent)
    const doc = new Y.Doc()
    const ids: string[] = []
    for (let i = 0; i < 5; i++) {
      const id = `burst-${i}`
      const ob = observe(id)
      const up = { type: 'doc.update', opId: opId(), engagementId: id, update: docUpdate((d) => d.getText('notes').insert(0, `first words ${i}`), doc) }
      // One write: both frames reach the server in the same tick, so they share a group commit.
      a.send(ob)
      a.send(up)
      ids.push(ob.opId as string, up.opId)
    }
    const replies = await Promise.all(ids.map((id) => a.reply(id)))
    expect(replies.filter((m) => m.type !== 'ack')).toEqual([])
    const rows = await node.store.query<{ n: number }>(
      `select count(*)::int as n from engagement_events where account_id = 'acc1' and engagement_id like 'burst-%' and kind = 'doc'`)
    expect(rows.rows[0]!.n).toBe(5)
    a.close()
  })

  it('an op right after the observe that creates its engagement is never refused (batches in flight)', async () => {
    const a = await Client.connect(node, agent)
    const ids: string[] = []
    for (let i = 0; i < 20; i++) {
      const ob = observe(`race-${i}`)
      a.send(ob)
      ids.push(ob.opId as string)
      // Let the observe's batch start committing before the next op arrives.
      await new Promise((r) => setTimeout(r, 3))
      const f = { type: 'engagement.focus', opId: opId(), engagementId: `race-${i}`, at: Date.now() }
      a.send(f)
      ids.push(f.opId)
    }
    const replies = await Promise.all(ids.map((id) => a.reply(id)))
    expect(replies.filter((m) => m.type !== 'ack')).toEqual([])
    a.close()
  })
  it('a repeated Zoom event (same dedup key, new op id) is acked with the original row\'s seq, also when it no longer changes anything', async () => {
    const a = await Client.connect(node, agent)
    expect(await a.observe('dup-1')).toMatchObject({ type: 'ack', seq: 1 })
    const vars = (value: string, zoomTimestamp: number) => ({
      type: 'engagement.variables', opId: opId(), engagementId: 'dup-1', variables: [{ id: 'v', value }], zoomTimestamp, at: Date.now(),
    })
    const gold = vars('gold', 1000)
    a.send(gold)
    expect(await a.reply(gold.opId)).toMatchObject({ type: 'ack', seq: 2 })
    expect(await a.op({ type: 'help.set', engagementId: 'dup-1', raised: true })).toMatchObject({ type: 'ack', seq: 3 })
    // The repro: the same report again would change nothing; it is the row at seq 2, not the last seq (3).
    const again = vars('gold', 1000)
    a.send(again)
    expect(await a.reply(again.opId)).toMatchObject({ type: 'ack', seq: 2, duplicate: true })
    // After another value, the old report would change the engagement again: still the row at seq 2, nothing written.
    expect(await a.op(vars('silver', 2000))).toMatchObject({ type: 'ack', seq: 4 })
    expect(await a.op(vars('gold', 1000))).toMatchObject({ type: 'ack', seq: 2, duplicate: true })
    // A report and its repeat in one group commit: the repeat is the row the first one wrote.
    const bronze = vars('bronze', 3000)
    const bronze2 = { ...bronze, opId: opId() }
    a.send(bronze)
    a.send(bronze2)
    expect(await a.reply(bronze.opId)).toMatchObject({ type: 'ack', seq: 5 })
    expect(await a.reply(bronze2.opId)).toMatchObject({ type: 'ack', seq: 5, duplicate: true })
    const rows = await node.store.query<{ n: number }>(`select count(*)::int as n from engagement_events where account_id = 'acc1' and engagement_id = 'dup-1'`)
    expect(rows.rows[0]!.n).toBe(5)
    a.close()
  })
})
