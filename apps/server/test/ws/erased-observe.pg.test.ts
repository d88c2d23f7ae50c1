/**
 * An erased engagement is never created again by an agent app (real Postgres): an
 * `engagement.observe` for an id in the account's `erasures` (an admin's erasure, or the retention
 * purge), as after a reload while Zoom still shows it, is refused ENGAGEMENT_ERASED and writes
 * nothing; the batch's other ops are decided as usual; clients below protocol 6 get NOT_FOUND.
 */
import { randomUUID } from 'node:crypto'
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { key } from '../../src/domain/engagement/model.ts'
import { BatchDocs, DocCache } from '../../src/domain/notes/doc-cache.ts'
import { purgeExpired } from '../../src/store/retention.ts'
import { runBatch } from '../../src/ws/batch.ts'
import { admin, agent, request, seed, sup } from '../retention/retention-contract.ts'
import { opMaker } from './batch-docs-helpers.ts'
import { Client, observe, opId, wsToken, nodeForFile, type Node } from './harness.ts'

const node = nodeForFile({ pg: true, users: [agent, sup, admin] })

/** Rows of the engagement in the projection, the log and the notes table. */
async function rowsOf(n: Node, id: string): Promise<{ engagements: number; events: number; docs: number }> {
  const count = async (sql: string) => Number((await n.store.query<{ n: string }>(sql, ['acc1', id])).rows[0]!.n)
  return {
    engagements: await count('select count(*) as n from engagements where account_id = $1 and id = $2'),
    events: await count('select count(*) as n from engagement_events where account_id = $1 and engagement_id = $2'),
    docs: await count('select count(*) as n from notes_docs where account_id = $1 and engagement_id = $2'),
  }
}

const none = { engagements: 0, events: 0, docs: 0 }

function notesUpdate(engagementId: string, text: string): Record<string, unknown> {
  const doc = new Y.Doc()
  doc.getText('notes').insert(0, text)
  return { type: 'doc.update', opId: opId(), engagementId, update: Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64') }
}

describe('an erased engagement observed again', () => {
  it('erased by an admin: the reloaded app\'s observe is refused ENGAGEMENT_ERASED, nothing is written, its other ops are acked', async () => {
    const n = node
    const before = await Client.connect(n, agent)
    await seed(n, 'gone-admin', 'gone-admin-note', { keep: before })
    expect((await request(n, admin, 'DELETE', '/api/admin/engagements/gone-admin')).statusCode).toBe(200)
    await before.next('engagement.erased', (m) => m['engagementId'] === 'gone-admin')
    before.close()
    expect(await rowsOf(n, 'gone-admin')).toEqual(none)

    // After a reload Zoom still shows it: the app observes it again, with other work in the same breath.
    const after = await Client.connect(n, agent)
    const again = observe('gone-admin')
    const fresh = observe('fresh-1')
    const notes = notesUpdate('fresh-1', 'fresh notes')
    for (const m of [again, fresh, notes]) after.send(m)
    const refused = await after.reply(again['opId'] as string)
    expect(refused).toMatchObject({ type: 'error', code: 'ENGAGEMENT_ERASED', opId: again['opId'], engagementId: 'gone-admin' })
    expect(await after.reply(fresh['opId'] as string)).toMatchObject({ type: 'ack', engagementId: 'fresh-1' })
    expect(await after.reply(notes['opId'] as string)).toMatchObject({ type: 'ack', engagementId: 'fresh-1' })
    expect(await rowsOf(n, 'gone-admin')).toEqual(none)
    expect((await rowsOf(n, 'fresh-1')).events).toBe(2)
    // Nothing but the refusal comes back about it.
    expect(after.received.filter((m) => m['engagementId'] === 'gone-admin' && m.type !== 'error')).toEqual([])
    after.close()
  })

  it('purged for retention: observe and the ops after it in one batch are refused, the other engagements\' ops are not', async () => {
    const n = node
    await seed(n, 'gone-old', 'gone-old-note', { end: true })
    await seed(n, 'kept-live', 'kept-live-note')
    await n.store.query(`update engagements set ended_at = now() - interval '400 days', updated_at = now() - interval '400 days' where id = 'gone-old'`)
    expect((await purgeExpired(n.store, { defaultDays: 365 })).engagements).toBe(1)
    expect(await rowsOf(n, 'gone-old')).toEqual(none)

    // One batch, run directly on the Postgres write lane: an erased id, a new one and an existing one.
    const ops = opMaker({ accountId: agent.accountId, id: agent.id, role: agent.role, displayName: agent.name })
    const batch = [
      ops.observe('gone-old'), ops.docUpdate('gone-old', 'must not be stored'),
      ops.op({ type: 'engagement.focus', engagementId: 'gone-old', at: Date.now() }),
      ops.observe('fresh-2'), ops.op({ type: 'help.set', engagementId: 'kept-live', raised: true }),
    ]
    const bd = new BatchDocs(new DocCache(10))
    const out = await n.store.writes.transaction((tx) => runBatch(tx, batch, bd, null, Date.now()))
    bd.committed()
    expect(out.results.map((r) => (r.ok ? `${r.engagementId}@${r.seq}` : r.code))).toEqual([
      'ENGAGEMENT_ERASED', 'ENGAGEMENT_ERASED', 'ENGAGEMENT_ERASED', 'fresh-2@1', 'kept-live@4',
    ])
    expect([...out.created]).toEqual([key('acc1', 'fresh-2')])
    expect(await rowsOf(n, 'gone-old')).toEqual(none)
    expect(await rowsOf(n, 'fresh-2')).toMatchObject({ engagements: 1, events: 1 })
  })

  it('a client below protocol 6 is answered NOT_FOUND (it drops the op; it cannot read the newer code)', async () => {
    const n = node
    await seed(n, 'gone-v5', 'gone-v5-note')
    expect((await request(n, admin, 'DELETE', '/api/admin/engagements/gone-v5')).statusCode).toBe(200)
    const old = new Client(n.url, { token: wsToken(agent) })
    await old.opened
    old.send({ type: 'hello', protocolVersion: 5, clientId: randomUUID(), surface: 'agent' })
    await old.next('welcome')
    expect(await old.observe('gone-v5')).toMatchObject({ type: 'error', code: 'NOT_FOUND', engagementId: 'gone-v5' })
    expect(await rowsOf(n, 'gone-v5')).toEqual(none)
    old.close()
  })
})
