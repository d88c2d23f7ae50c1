/**
 * One frame per socket per flush (protocol 5): a commit's acks, rows and projections for one
 * socket leave as one `batch` frame; a session is not sent its own notes rows back (its ack has
 * the seq); its other sessions and watchers still get them; clients below 5 get every message
 * alone and every row, their own included. On PGlite, with a group commit long enough that ops
 * sent together share one commit.
 */
import { randomUUID } from 'node:crypto'
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { Client, nodeForFile, opId, wsToken, type Msg, type TestUser } from './harness.ts'

const agent: TestUser = { accountId: 'acc1', id: 'agent1', role: 'agent', name: 'Ann' }
const sup: TestUser = { accountId: 'acc1', id: 'sup1', role: 'supervisor', name: 'Sam' }

const node = nodeForFile({ users: [agent, sup], env: { GROUP_COMMIT_MS: '150' } })

function update(text: string, client: number): string {
  const doc = new Y.Doc()
  doc.clientID = client
  doc.getText('notes').insert(0, text)
  return Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64')
}

const docOp = (engagementId: string, text: string, client: number) =>
  ({ type: 'doc.update', opId: opId(), engagementId, update: update(text, client) })

/** An agent-surface client that says protocol version `v` in hello. */
async function connectAs(v: number): Promise<Client> {
  const c = new Client(node.url, { token: wsToken(agent) })
  await c.opened
  c.send({ type: 'hello', protocolVersion: v, clientId: randomUUID(), surface: 'agent' })
  await c.next('welcome')
  return c
}

/** Drops what a client has received so far. */
function forget(c: Client): void {
  c.frames.length = 0
  c.received.length = 0
}

const eventSeqs = (c: Client, engagementId: string) => c.of('engagement.events')
  .filter((m) => m['engagementId'] === engagementId).flatMap((m) => (m['events'] as { seq: number }[]).map((e) => e.seq))

describe('one frame per socket per flush', () => {
  it('acks, rows and projections of one commit reach each socket as one batch frame; the sender gets no echo', async () => {
    const a1 = await Client.connect(node, agent)
    const a2 = await Client.connect(node, agent)
    const w = await Client.connect(node, sup, 'supervisor')
    await a1.observe('eng-b1')
    await a1.observe('eng-b2')
    await w.watch('eng-b1')
    await w.watch('eng-b2')
    for (const c of [a1, a2, w]) forget(c)

    const ops = [docOp('eng-b1', 'one ', 11), docOp('eng-b2', 'two ', 12)]
    for (const op of ops) a1.send(op)
    const acks = await Promise.all(ops.map((op) => a1.ack(op.opId)))
    expect(acks.map((m) => m['seq'])).toEqual([2, 2])
    await expect.poll(() => eventSeqs(w, 'eng-b2')).toEqual([2])
    await expect.poll(() => eventSeqs(a2, 'eng-b2')).toEqual([2])

    // The sender: both acks in one frame, no rows of its own.
    expect(a1.frames).toEqual([{ type: 'batch', messages: acks }])
    // Its other session and the watcher: the rows of both engagements in one frame.
    for (const c of [a2, w]) {
      expect(c.frames).toHaveLength(1)
      expect(c.frames[0]).toMatchObject({
        type: 'batch',
        messages: [
          { type: 'engagement.events', engagementId: 'eng-b1', events: [{ seq: 2, kind: 'doc', opId: ops[0]!.opId, update: ops[0]!.update }] },
          { type: 'engagement.events', engagementId: 'eng-b2', events: [{ seq: 2, kind: 'doc', opId: ops[1]!.opId, update: ops[1]!.update }] },
        ],
      })
    }
    for (const c of [a1, a2, w]) c.close()
  })

  it('a session is still sent the rows of its own ops that are not notes, and others\' notes rows', async () => {
    const a1 = await Client.connect(node, agent)
    const w = await Client.connect(node, sup, 'supervisor')
    await a1.observe('eng-b3')
    await w.watch('eng-b3')
    forget(a1)
    const mine = docOp('eng-b3', 'mine ', 21)
    const help = { type: 'help.set', opId: opId(), engagementId: 'eng-b3', raised: true }
    const whisper = { type: 'whisper.send', opId: opId(), engagementId: 'eng-b3', text: 'Offer the credit.' }
    a1.send(mine)
    a1.send(help)
    w.send(whisper)
    const [m, h] = await Promise.all([a1.ack(mine.opId), a1.ack(help.opId)])
    const ws = await w.ack(whisper.opId)
    await expect.poll(() => eventSeqs(a1, 'eng-b3')).toEqual([Number(h['seq']), Number(ws['seq'])].sort((x, y) => x - y))
    expect(eventSeqs(a1, 'eng-b3')).not.toContain(m['seq'])
    // The watcher gets every row, its own whisper too (not a notes row).
    await expect.poll(() => eventSeqs(w, 'eng-b3').slice(-3)).toEqual([2, 3, 4])
    // The projection change (help) reaches the sender with its ack.
    expect(a1.of('engagement.changed').some((c) => (c['engagement'] as { help: unknown }).help !== null)).toBe(true)
    a1.close()
    w.close()
  })

  it('a client of protocol 4 gets each message alone and its own rows back', async () => {
    const old = await connectAs(4)
    await old.observe('eng-b4')
    forget(old)
    const ops = [docOp('eng-b4', 'a ', 31), docOp('eng-b4', 'b ', 32)]
    for (const op of ops) old.send(op)
    const acks = await Promise.all(ops.map((op) => old.ack(op.opId)))
    await expect.poll(() => eventSeqs(old, 'eng-b4')).toEqual(acks.map((a) => Number(a['seq'])))
    expect(old.frames.every((f: Msg) => f.type !== 'batch')).toBe(true)
    old.close()
  })
})
