/** The same engine on embedded PGlite (no DATABASE_URL): in-process bus, one node. */
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { getEngagement } from '../../src/store/engagements.ts'
import { Client, nodeForFile, opId, twoSessionsAndBoard, type TestUser } from './harness.ts'

const agent: TestUser = { accountId: 'acc1', id: 'agent1', role: 'agent', name: 'Ann' }
const sup: TestUser = { accountId: 'acc1', id: 'sup1', role: 'supervisor', name: 'Sam' }

const node = nodeForFile({ users: [agent, sup] })

describe('engine on PGlite', () => {
  it('commits concurrent ops from two sessions gap-free and fans them out', async () => {
    expect(node.store.kind).toBe('pglite')
    const [a1, a2, board] = await twoSessionsAndBoard(node, agent, sup)
    await a1.observe('eng-p')

    const ids: string[] = []
    for (let i = 0; i < 30; i++) {
      const c = i % 2 === 0 ? a1 : a2
      const doc = new Y.Doc({ gc: false })
      doc.clientID = 1000 + i
      doc.getText('notes').insert(0, `n${i} `)
      const up = { type: 'doc.update', opId: opId(), engagementId: 'eng-p', update: Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64') }
      ids.push(up.opId)
      c.send(up)
    }
    const acks = await Promise.all(ids.map((id, i) => (i % 2 === 0 ? a1 : a2).reply(id)))
    expect(acks.map((m) => m['seq']).sort((x, y) => Number(x) - Number(y))).toEqual(Array.from({ length: 30 }, (_, i) => i + 2))
    const seqs = (c: Client) => c.of('engagement.events').flatMap((m) => (m['events'] as { seq: number }[]).map((e) => e.seq))
    // Each session gets every row but its own notes rows, whose seqs its acks carry: together gap-free.
    const own = (i: number) => acks.filter((_, j) => j % 2 === i).map((m) => Number(m['seq']))
    const all = Array.from({ length: 31 }, (_, i) => i + 1)
    await expect.poll(() => seqs(a1)).toEqual(all.filter((q) => !own(0).includes(q)))
    await expect.poll(() => seqs(a2)).toEqual(all.filter((q) => !own(1).includes(q)))
    await expect.poll(() => board.of('board.delta').some((m) => (m['engagements'] as { id: string; lastSeq: number }[]).some((e) => e.id === 'eng-p' && e.lastSeq === 31))).toBe(true)

    const w = await Client.connect(node, sup, 'supervisor')
    w.send({ type: 'subscribe', engagementId: 'eng-p' })
    const snap = await w.next('engagement.snapshot')
    const doc = new Y.Doc()
    Y.applyUpdate(doc, Buffer.from(snap['doc'] as string, 'base64'))
    expect(doc.getText('notes').toString().split(' ').filter(Boolean)).toHaveLength(30)
    for (const c of [a1, a2, board, w]) c.close()
  })

  it('refuses alone, as BAD_MESSAGE, an update that decodes but does not apply; the notes go on', async () => {
    const a = await Client.connect(node, agent)
    await a.observe('eng-bad')
    const base = new Y.Doc()
    base.clientID = 5
    base.getText('notes').insert(0, 'hello world')
    base.getMap('wrapup').set('summary', 'x')
    const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64')
    const send = (update: string) => {
      const op = { type: 'doc.update', opId: opId(), engagementId: 'eng-bad', update }
      a.send(op)
      return a.reply(op.opId)
    }
    expect(await send(b64(Y.encodeStateAsUpdate(base)))).toMatchObject({ type: 'ack', seq: 2 })
    // Found by mutating an update of a client that edited `base`: Yjs throws while integrating it.
    const good = new Y.Doc()
    good.clientID = 6
    good.getText('notes').insert(0, '!')
    const [bad, next] = await Promise.all([send('AQEJAMQFAgUDA1gxWgEFATUA'), send(b64(Y.encodeStateAsUpdate(good)))])
    expect(bad).toMatchObject({ type: 'error', code: 'BAD_MESSAGE' })
    expect(next).toMatchObject({ type: 'ack', seq: 3 })
    const w = await Client.connect(node, sup, 'supervisor')
    w.send({ type: 'subscribe', engagementId: 'eng-bad' })
    const doc = new Y.Doc()
    Y.applyUpdate(doc, Buffer.from((await w.next('engagement.snapshot'))['doc'] as string, 'base64'))
    expect(doc.getText('notes').toString()).toMatch(/^(!hello world|hello world!)$/)
    a.close()
    w.close()
  })

  it('notes and whispers move only lastSeq, updatedAt and the preview of the stored projection; the rest stays', async () => {
    const a = await Client.connect(node, agent)
    const w = await Client.connect(node, sup, 'supervisor')
    await a.observe('eng-slim')
    const before = await getEngagement(node.store, agent.accountId, 'eng-slim')
    const doc = new Y.Doc()
    doc.getText('notes').insert(0, 'first line\nsecond line')
    const up = { type: 'doc.update', opId: opId(), engagementId: 'eng-slim', update: Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64') }
    a.send(up)
    await a.reply(up.opId)
    const wh = { type: 'whisper.send', opId: opId(), engagementId: 'eng-slim', text: 'Offer the credit.' }
    w.send(wh)
    const ack = await w.reply(wh.opId)
    expect(ack).toMatchObject({ type: 'ack', seq: 3 })
    const after = await getEngagement(node.store, agent.accountId, 'eng-slim')
    expect(after).toEqual({ ...before, lastSeq: 3, notesPreview: 'second line', updatedAt: after!.updatedAt })
    expect(after!.updatedAt).toBeGreaterThanOrEqual(before!.updatedAt)
    a.close()
    w.close()
  })
})
