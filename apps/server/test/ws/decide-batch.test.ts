/**
 * A batch's decisions without a database (`decideBatch` over loaded state): repeated op ids and
 * repeated Zoom events are answered with the row that recorded them, in arrival order, with
 * gap-free seqs, and nothing is written for them.
 */
import { describe, expect, it } from 'vitest'
import type { SessionUser } from '@switchboard/protocol'
import { dedupKey } from '../../src/domain/engagement/dedup.ts'
import { emptyEngagement, key, type Engagement } from '../../src/domain/engagement/model.ts'
import { BatchDocs, DocCache } from '../../src/domain/notes/doc-cache.ts'
import { decideBatch, type LoadedBatch } from '../../src/ws/batch.ts'
import { opMaker } from './batch-docs-helpers.ts'

const user: SessionUser = { accountId: 'acc1', id: 'agent1', role: 'agent', displayName: 'Ann' }
const gold = [{ id: 'v', value: 'gold' }]

/** e1 as the repro leaves it: observed (1), variables gold at Zoom time 1000 (2), help raised (3). */
function loaded(): LoadedBatch {
  const e: Engagement = {
    ...emptyEngagement('acc1', 'e1', 'agent1', 1), state: 'active', variables: { v: 'gold' },
    help: { raisedBy: 'agent1', at: 3 }, lastSeq: 3, sources: ['app'],
  }
  return {
    locked: new Map([[key('acc1', 'e1'), e]]),
    priorOps: new Map(),
    priorKeys: new Map([[`acc1\0e1\0${dedupKey('e1', 'variables', gold, 1000)}`, 2]]),
    candidates: new Map(),
    erased: new Set(),
  }
}

describe('decideBatch', () => {
  it('a repeated Zoom event under a new op id is the original row (seq 2), not the last (3); a new report gets the next seq', () => {
    const ops = opMaker(user)
    const again = ops.op({ type: 'engagement.variables', engagementId: 'e1', variables: gold, zoomTimestamp: 1000, at: 5 })
    const later = ops.op({ type: 'engagement.variables', engagementId: 'e1', variables: [{ id: 'v', value: 'silver' }], zoomTimestamp: 2000, at: 6 })
    const repeat = { ...later, opId: 'op-repeat' }
    const l = loaded()
    l.candidates.set(again, dedupKey('e1', 'variables', gold, 1000))
    l.candidates.set(later, dedupKey('e1', 'variables', later.command.type === 'engagement.variables' ? later.command.variables : [], 2000))
    l.candidates.set(repeat, l.candidates.get(later)!)
    const { out, allRows } = decideBatch([again, later, repeat, later], l, new BatchDocs(new DocCache(10)), 10)
    expect(out.results.map((r) => (r.ok ? { seq: r.seq, duplicate: r.duplicate } : r.code))).toEqual([
      { seq: 2, duplicate: true },
      { seq: 4, duplicate: false },
      // the same report under another op id, and the same op id again, in the same batch
      { seq: 4, duplicate: true },
      { seq: 4, duplicate: true },
    ])
    expect(allRows.map((r) => [r.seq, r.kind])).toEqual([[4, 'variables']])
    expect(out.engagements.get(key('acc1', 'e1'))).toMatchObject({ lastSeq: 4, variables: { v: 'silver' } })
  })

  it('refuses every op on an engagement the account erased ENGAGEMENT_ERASED, writes nothing for it, and decides the others as usual', () => {
    const ops = opMaker(user)
    const observe = ops.observe('e9')
    const help = ops.op({ type: 'help.set', engagementId: 'e1', raised: false })
    const focus = ops.op({ type: 'engagement.focus', engagementId: 'e9', at: 7 })
    const l = loaded()
    l.erased.add(key('acc1', 'e9'))
    const { out, allRows } = decideBatch([observe, help, focus, observe], l, new BatchDocs(new DocCache(10)), 10)
    expect(out.results.map((r) => (r.ok ? { seq: r.seq, duplicate: r.duplicate } : r.code))).toEqual([
      'ENGAGEMENT_ERASED', { seq: 4, duplicate: false }, 'ENGAGEMENT_ERASED', 'ENGAGEMENT_ERASED',
    ])
    expect(allRows.map((r) => [r.engagementId, r.seq, r.kind])).toEqual([['e1', 4, 'help']])
    expect([...out.engagements.keys()]).toEqual([key('acc1', 'e1')])
    expect(out.created.size).toBe(0)
  })
})
