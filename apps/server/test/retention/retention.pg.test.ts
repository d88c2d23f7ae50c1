/**
 * Retention and erasure on real Postgres: the shared contract on one node, then two nodes on one
 * database: an erasure on node A reaches node B at once through the bus (its hot document, the
 * sessions following the engagement, its boards), and one purger works at a time.
 */
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { key } from '../../src/domain/engagement/model.ts'
import { PURGE_LOCK_KEY, purgeExpired } from '../../src/store/retention.ts'
import { Client, nodesForFile } from '../ws/harness.ts'
import { admin, agent, request, retentionContract, seed, sup, traces } from './retention-contract.ts'

const [a, b] = nodesForFile({ count: 2, pg: true })

retentionContract(() => a)

describe('retention and erasure across nodes', () => {
  it('an erasure on node A clears node B: hot document, the agent\'s and watcher\'s sessions, the board', async () => {
    const agentB = await Client.connect(b, agent)
    await seed(b, 'delta-cross', 'delta-cross-node-note', { keep: agentB })
    const watcherB = await Client.connect(b, sup, 'supervisor')
    await watcherB.watch('delta-cross')
    const boardB = await Client.board(b, sup)
    expect(b.app.realtime.engine.docs.get(key('acc1', 'delta-cross'))).toBeDefined()

    const res = await request(a, admin, 'DELETE', '/api/admin/engagements/delta-cross')
    expect(res.statusCode).toBe(200)
    await agentB.next('engagement.erased', (m) => m['engagementId'] === 'delta-cross')
    await watcherB.next('engagement.erased', (m) => m['engagementId'] === 'delta-cross')
    await boardB.next('board.delta', (m) => (m['removedEngagements'] as string[]).includes('delta-cross'))
    expect(b.app.realtime.engine.docs.get(key('acc1', 'delta-cross'))).toBeUndefined()
    expect(await traces(a, 'delta-cross-node-note')).toEqual({})
    for (const c of [agentB, watcherB, boardB]) c.close()
  })

  it('runs one purger at a time: a node that finds the lock taken leaves the round to the holder', async () => {
    await seed(a, 'echo-old', 'echo-expired-note', { end: true })
    await a.store.query(`update engagements set ended_at = now() - interval '400 days', updated_at = now() - interval '400 days' where id = 'echo-old'`)
    const holder = new pg.Client({ connectionString: a.config.databaseUrl! })
    await holder.connect()
    try {
      await holder.query('begin')
      await holder.query(`select pg_advisory_xact_lock(${PURGE_LOCK_KEY}::bigint)`)
      expect(await purgeExpired(b.store, { defaultDays: 365 })).toMatchObject({ ran: false, engagements: 0 })
      expect(Object.keys(await traces(a, 'echo-expired-note')).length).toBeGreaterThan(0)
      await holder.query('commit')
    } finally {
      await holder.end()
    }
    // Both nodes at once: the engagement is purged once, and no round fails.
    const [ra, rb] = await Promise.all([purgeExpired(a.store, { defaultDays: 365 }), purgeExpired(b.store, { defaultDays: 365 })])
    expect(ra.engagements + rb.engagements).toBe(1)
    expect(await traces(a, 'echo-expired-note')).toEqual({})
  })
})
