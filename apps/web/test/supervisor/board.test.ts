import { describe, expect, it } from 'vitest'
import type { ServerMessageOf } from '@switchboard/protocol'
import { Board, type BoardSource } from '../../src/supervisor/board.svelte.ts'
import { agent, engagement, FrameSource, T0 } from './fixtures.ts'

/** A board source that records subscriptions and dispatches frames synchronously. */
class Source extends FrameSource implements BoardSource {
  subscribed = 0
  subscribeBoard(): void { this.subscribed++ }
}

const thresholds = { handleMs: 0, wrapupMs: 0, inactiveMs: 0 }
const snapshot = (ids: string[]): ServerMessageOf<'board.snapshot'> => ({
  type: 'board.snapshot', serverTime: T0, engagements: ids.map((id) => engagement(id)), agents: [agent('agent-1')], thresholds,
})
const delta = (over: Partial<ServerMessageOf<'board.delta'>>): ServerMessageOf<'board.delta'> => ({
  type: 'board.delta', serverTime: T0, engagements: [], removedEngagements: [], agents: [], ...over,
})

function setup() {
  const frames: (() => void)[] = []
  const board = new Board((fn) => frames.push(fn))
  const source = new Source()
  const detach = board.attach(source)
  return { board, source, frames, detach }
}

describe('Board (runes state over the pure apply)', () => {
  it('subscribes on attach and loads a snapshot at once', () => {
    const { board, source } = setup()
    expect(source.subscribed).toBe(1)
    expect(board.loaded).toBe(false)
    source.emit(snapshot(['e1', 'e2']))
    expect(board.loaded).toBe(true)
    expect(board.rows.map((e) => e.id)).toEqual(['e1', 'e2'])
    expect(board.agents.get('agent-1')?.online).toBe(true)
  })

  it('ignores deltas before the first snapshot', () => {
    const { board, source, frames } = setup()
    source.emit(delta({ engagements: [engagement('e9')] }))
    expect(frames).toHaveLength(0)
    expect(board.rows).toEqual([])
  })

  it('coalesces deltas that arrive within one frame into one publish', () => {
    const { board, source, frames } = setup()
    source.emit(snapshot(['e1', 'e2']))
    const before = board.rows
    source.emit(delta({ engagements: [engagement('e1', { lastSeq: 2, notesPreview: 'a' })] }))
    source.emit(delta({ engagements: [engagement('e1', { lastSeq: 3, notesPreview: 'ab' })], removedEngagements: ['e2'] }))
    source.emit(delta({ engagements: [engagement('e3')] }))
    expect(frames).toHaveLength(1)
    expect(board.rows).toBe(before)
    frames[0]?.()
    expect(board.rows.map((e) => [e.id, e.notesPreview])).toEqual([['e1', 'ab'], ['e3', '']])
  })

  it('drops queued deltas when a snapshot arrives (after a reconnect)', () => {
    const { board, source, frames } = setup()
    source.emit(snapshot(['e1']))
    source.emit(delta({ engagements: [engagement('stale')] }))
    source.emit(snapshot(['e7', 'e8']))
    frames.forEach((f) => f())
    expect(board.rows.map((e) => e.id)).toEqual(['e7', 'e8'])
  })

  it('remembers handle times of engagements that left the board', () => {
    const { board, source, frames } = setup()
    source.emit(snapshot(['e1', 'e2']))
    source.emit(delta({ engagements: [engagement('e1', { state: 'end', endedAt: T0, handleMs: 240_000, lastSeq: 9 })] }))
    frames.shift()?.()
    expect(board.closedHandle.get('e1')).toBe(240_000)
    expect(board.get('e1')).toBeUndefined()
    expect(board.get('e2')?.id).toBe('e2')
  })

  it('samples state counts and stops listening on detach', () => {
    const { board, source, frames, detach } = setup()
    board.sample(T0)
    expect(board.samples).toEqual([])
    source.emit(snapshot(['e1', 'e2']))
    board.sample(T0)
    expect(board.samples).toEqual([{ t: T0, active: 2, inactive: 0, wrapup: 0 }])
    detach()
    source.emit(delta({ engagements: [engagement('e3')] }))
    expect(frames).toHaveLength(0)
  })
})

describe('Board refusals', () => {
  it('records a refusal of the board and clears it with the next snapshot', () => {
    const { board, source } = setup()
    source.emit({ type: 'error', code: 'RATE_LIMITED', message: 'slow down' })
    source.emit({ type: 'error', code: 'FORBIDDEN', message: 'no', opId: 'x' })
    expect(board.error).toBeNull()
    source.emit({ type: 'error', code: 'FORBIDDEN', message: 'You are not allowed to do that.' })
    expect(board.error).toBe('You are not allowed to do that.')
    source.emit(snapshot(['e1']))
    expect(board.error).toBeNull()
  })
})
