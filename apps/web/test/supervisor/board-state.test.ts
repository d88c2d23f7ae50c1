import { describe, expect, it } from 'vitest'
import {
  applyDelta, applySnapshot, coalesceDeltas, emptyBoard,
  type BoardDeltaMessage, type BoardSnapshotMessage,
} from '../../src/supervisor/board-state.ts'
import { agent, engagement, T0 } from './fixtures.ts'

const thresholds = { handleMs: 600_000, wrapupMs: 120_000, inactiveMs: 60_000 }

function snapshot(over: Partial<BoardSnapshotMessage> = {}): BoardSnapshotMessage {
  return {
    type: 'board.snapshot', serverTime: T0,
    engagements: [engagement('e1'), engagement('e2', { agentId: 'agent-2' })],
    agents: [agent('agent-1'), agent('agent-2')],
    thresholds, ...over,
  }
}

function delta(over: Partial<BoardDeltaMessage> = {}): BoardDeltaMessage {
  return { type: 'board.delta', serverTime: T0 + 1000, engagements: [], removedEngagements: [], agents: [], ...over }
}

describe('applySnapshot', () => {
  it('loads engagements and agents by id, thresholds and the clock offset', () => {
    const b = emptyBoard()
    expect(b.loaded).toBe(false)
    applySnapshot(b, snapshot(), T0 - 5000)
    expect(b.loaded).toBe(true)
    expect([...b.engagements.keys()]).toEqual(['e1', 'e2'])
    expect(b.agents.get('agent-2')?.displayName).toBe('Agent agent-2')
    expect(b.thresholds).toEqual(thresholds)
    expect(b.clockOffsetMs).toBe(5000)
  })

  it('replaces the previous state entirely (reconnect)', () => {
    const b = emptyBoard()
    applySnapshot(b, snapshot(), T0)
    applySnapshot(b, snapshot({ engagements: [engagement('e3')], agents: [agent('agent-9')] }), T0)
    expect([...b.engagements.keys()]).toEqual(['e3'])
    expect([...b.agents.keys()]).toEqual(['agent-9'])
  })

  it('leaves out ended engagements', () => {
    const b = emptyBoard()
    applySnapshot(b, snapshot({ engagements: [engagement('e1', { state: 'end', endedAt: T0 })] }), T0)
    expect(b.engagements.size).toBe(0)
  })
})

describe('applyDelta', () => {
  it('adds and replaces engagements by id and reports what changed', () => {
    const b = emptyBoard()
    applySnapshot(b, snapshot(), T0)
    const r = applyDelta(b, delta({
      engagements: [engagement('e1', { state: 'inactive', lastSeq: 2 }), engagement('e4')],
    }), T0)
    expect(b.engagements.get('e1')?.state).toBe('inactive')
    expect(b.engagements.has('e4')).toBe(true)
    expect([...r.changedEngagements].sort()).toEqual(['e1', 'e4'])
    expect(r.closed).toEqual([])
    expect(b.clockOffsetMs).toBe(1000)
  })

  it('removes engagements listed as removed and returns them as closed', () => {
    const b = emptyBoard()
    applySnapshot(b, snapshot(), T0)
    const r = applyDelta(b, delta({ removedEngagements: ['e2', 'unknown'] }), T0)
    expect([...b.engagements.keys()]).toEqual(['e1'])
    expect(r.closed.map((e) => e.id)).toEqual(['e2'])
    expect([...r.changedEngagements]).toEqual(['e2'])
  })

  it('drops an engagement whose update says it ended', () => {
    const b = emptyBoard()
    applySnapshot(b, snapshot(), T0)
    const ended = engagement('e1', { state: 'end', endedAt: T0, handleMs: 90_000, lastSeq: 5 })
    const r = applyDelta(b, delta({ engagements: [ended] }), T0)
    expect(b.engagements.has('e1')).toBe(false)
    expect(r.closed).toEqual([ended])
  })

  it('ignores an update older than the row held', () => {
    const b = emptyBoard()
    applySnapshot(b, snapshot({ engagements: [engagement('e1', { lastSeq: 7, state: 'wrap-up' })] }), T0)
    const r = applyDelta(b, delta({ engagements: [engagement('e1', { lastSeq: 6, state: 'active' })] }), T0)
    expect(b.engagements.get('e1')?.state).toBe('wrap-up')
    expect(r.changedEngagements.size).toBe(0)
  })

  it('updates agents and thresholds', () => {
    const b = emptyBoard()
    applySnapshot(b, snapshot(), T0)
    const next = { handleMs: 1, wrapupMs: 2, inactiveMs: 3 }
    const r = applyDelta(b, delta({ agents: [agent('agent-1', { online: false })], thresholds: next }), T0)
    expect(b.agents.get('agent-1')?.online).toBe(false)
    expect(b.thresholds).toEqual(next)
    expect(r.agentsChanged).toBe(true)
    expect(r.thresholdsChanged).toBe(true)
  })
})

describe('coalesceDeltas', () => {
  it('returns null for nothing and the delta itself for one', () => {
    expect(coalesceDeltas([])).toBeNull()
    const d = delta()
    expect(coalesceDeltas([d])).toBe(d)
  })

  it('keeps the last version of each engagement and agent', () => {
    const m = coalesceDeltas([
      delta({ serverTime: T0 + 1, engagements: [engagement('e1', { lastSeq: 2, notesPreview: 'a' })], agents: [agent('a', { sessions: 1 })] }),
      delta({ serverTime: T0 + 2, engagements: [engagement('e1', { lastSeq: 3, notesPreview: 'ab' })], agents: [agent('a', { sessions: 2 })] }),
    ])
    expect(m?.serverTime).toBe(T0 + 2)
    expect(m?.engagements.map((e) => e.notesPreview)).toEqual(['ab'])
    expect(m?.agents.map((a) => a.sessions)).toEqual([2])
  })

  it('does not let an older version overwrite a newer one', () => {
    const m = coalesceDeltas([
      delta({ engagements: [engagement('e1', { lastSeq: 5, notesPreview: 'new' })] }),
      delta({ engagements: [engagement('e1', { lastSeq: 4, notesPreview: 'old' })] }),
    ])
    expect(m?.engagements.map((e) => e.notesPreview)).toEqual(['new'])
  })

  it('orders removals and updates by arrival', () => {
    const m = coalesceDeltas([
      delta({ engagements: [engagement('e1'), engagement('e2')] }),
      delta({ removedEngagements: ['e1', 'e2'] }),
      delta({ engagements: [engagement('e2', { lastSeq: 9 })] }),
    ])
    expect(m?.engagements.map((e) => e.id)).toEqual(['e2'])
    expect(m?.removedEngagements).toEqual(['e1'])
  })

  it('gives the same board as applying the deltas one by one', () => {
    const ds = [
      delta({ engagements: [engagement('e5'), engagement('e1', { lastSeq: 2, state: 'inactive' })], thresholds }),
      delta({ removedEngagements: ['e2'], agents: [agent('agent-3')] }),
      delta({ engagements: [engagement('e1', { lastSeq: 3, state: 'wrap-up' })], removedEngagements: ['e5'] }),
    ]
    const one = emptyBoard()
    applySnapshot(one, snapshot(), T0)
    for (const d of ds) applyDelta(one, d, T0)
    const merged = emptyBoard()
    applySnapshot(merged, snapshot(), T0)
    const m = coalesceDeltas(ds)
    if (m) applyDelta(merged, m, T0)
    expect([...merged.engagements.entries()].sort()).toEqual([...one.engagements.entries()].sort())
    expect([...merged.agents.entries()].sort()).toEqual([...one.agents.entries()].sort())
    expect(merged.thresholds).toEqual(one.thresholds)
  })
})
