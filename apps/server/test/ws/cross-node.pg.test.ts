/**
 * Two nodes (two buildApp instances, one Postgres): the agent on node A, the supervisor's
 * board, a watcher and the agent's second session on node B. Rows reach B through
 * LISTEN/NOTIFY (ids only) and the log; a killed LISTEN connection is re-established and
 * what was missed meanwhile is caught up from the log.
 */
import * as Y from 'yjs'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { Client, nodesForFile, observe, opId, type TestUser } from './harness.ts'

const agent: TestUser = { accountId: 'acc1', id: 'agent1', role: 'agent', name: 'Ann' }
const sup: TestUser = { accountId: 'acc1', id: 'sup1', role: 'supervisor', name: 'Sam' }

const [a, b] = nodesForFile({ count: 2, pg: true, users: [agent, sup] })

const seqs = (c: Client, engagementId: string) =>
  c.of('engagement.events').filter((m) => m['engagementId'] === engagementId).flatMap((m) => (m['events'] as { seq: number }[]).map((e) => e.seq))

describe('across nodes', () => {
  it('delivers the agent\'s ops on node A to the board, the watcher and the agent\'s second session on node B', async () => {
    const agentA = await Client.connect(a, agent)
    const agentB = await Client.connect(b, agent)
    const board = await Client.board(b, sup)

    const ob = observe('eng-x')
    agentA.send(ob)
    expect(await agentA.reply(ob.opId as string)).toMatchObject({ type: 'ack', seq: 1 })

    const watch = await Client.connect(b, sup, 'supervisor')
    await watch.watch('eng-x')

    const doc = new Y.Doc()
    for (let i = 0; i < 20; i++) {
      const sv = Y.encodeStateVector(doc)
      doc.getText('notes').insert(doc.getText('notes').length, `line ${i}\n`)
      const up = { type: 'doc.update', opId: opId(), engagementId: 'eng-x', update: Buffer.from(Y.encodeStateAsUpdate(doc, sv)).toString('base64') }
      agentA.send(up)
    }
    const help = { type: 'help.set', opId: opId(), engagementId: 'eng-x', raised: true, note: 'stuck' }
    agentA.send(help)
    expect(await agentA.reply(help.opId)).toMatchObject({ type: 'ack', seq: 22 })

    const all = Array.from({ length: 22 }, (_, i) => i + 1)
    await expect.poll(() => seqs(agentB, 'eng-x')).toEqual(all)
    await expect.poll(() => seqs(watch, 'eng-x')).toEqual(all.slice(1))
    await expect.poll(() => board.of('board.delta').some((m) => (m['engagements'] as { id: string; help: unknown; notesPreview: string }[])
      .some((e) => e.id === 'eng-x' && e.help !== null && e.notesPreview === 'line 19'))).toBe(true)
    // Far fewer board frames than ops: deltas are coalesced per tick.
    expect(board.of('board.delta').length).toBeLessThan(22)
    // The roster on B counts the agent's sessions on both nodes.
    await expect.poll(() => board.received.filter((m) => m.type === 'board.delta' || m.type === 'board.snapshot')
      .flatMap((m) => m['agents'] as { id: string; sessions: number }[]).filter((x) => x.id === 'agent1').at(-1)?.sessions).toBe(2)

    // The agent's second session, on B, writes too; A's session sees it.
    const sv = Y.encodeStateVector(doc)
    const docB = new Y.Doc()
    Y.applyUpdate(docB, Y.encodeStateAsUpdate(doc))
    docB.getText('notes').insert(0, 'from B\n')
    const upB = { type: 'doc.update', opId: opId(), engagementId: 'eng-x', update: Buffer.from(Y.encodeStateAsUpdate(docB, sv)).toString('base64') }
    agentB.send(upB)
    expect(await agentB.reply(upB.opId)).toMatchObject({ type: 'ack', seq: 23 })
    await expect.poll(() => seqs(agentA, 'eng-x').includes(23)).toBe(true)
    await expect.poll(async () => (await a.store.query<{ plain_text: string }>(
      `select plain_text from notes_docs where engagement_id = 'eng-x'`)).rows[0]?.plain_text.startsWith('from B\nline 0\n'), { timeout: 5000 }).toBe(true)
    for (const c of [agentA, agentB, board, watch]) c.close()
  })

  it('catches up from the log after node B\'s LISTEN connection is killed', async () => {
    const agentA = await Client.connect(a, agent)
    await agentA.observe('eng-y')
    const watch = await Client.connect(b, sup, 'supervisor')
    await watch.watch('eng-y')

    const admin = new pg.Client({ connectionString: a.config.databaseUrl! })
    await admin.connect()
    try {
      // Kill every LISTEN connection (both nodes'); rows written meanwhile are only in the log.
      await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid() and query ilike 'LISTEN%'`)
      for (let i = 0; i < 5; i++) {
        const st = { type: 'engagement.variables', opId: opId(), engagementId: 'eng-y', variables: [{ id: 'n', value: i }], at: Date.now() }
        agentA.send(st)
        await agentA.reply(st.opId)
      }
      await expect.poll(() => seqs(watch, 'eng-y'), { timeout: 10_000 }).toEqual([2, 3, 4, 5, 6])
      await expect.poll(() => b.app.realtime.stats()['listening'], { timeout: 10_000 }).toBe(1)
    } finally {
      await admin.end()
    }
    agentA.close()
    watch.close()
  })
})
