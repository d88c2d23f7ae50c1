import { describe, expect, it } from 'vitest'
import type { LogEvent } from '@switchboard/protocol'
import {
  ackWhisper, addLocalWhisper, applyWhisperEvents, buildTimeline, failWhisper, mergeEvents,
  readWrapup, whispersFromSnapshot,
} from '../../src/supervisor/engagement-log.ts'
import { T0 } from './fixtures.ts'

const ev = (seq: number, kind: LogEvent['kind'], data: Record<string, unknown> = {}, over: Partial<LogEvent> = {}): LogEvent =>
  ({ seq, kind, actorId: 'agent-1', opId: `op-${seq}`, at: T0 + seq * 1000, data, ...over })

describe('timeline', () => {
  it('merges overlapping pages by seq, in order', () => {
    const merged = mergeEvents([ev(1, 'context'), ev(3, 'doc')], [ev(2, 'status'), ev(3, 'doc'), ev(4, 'help', { raised: true })])
    expect(merged.map((e) => e.seq)).toEqual([1, 2, 3, 4])
  })

  it('describes rows and collapses runs of note edits', () => {
    const t = buildTimeline([
      ev(1, 'context', { context: { engagementId: 'e', queueName: 'Sales', isTransfer: true, transferFromAgentName: 'Bo' } }),
      ev(2, 'status', { changes: { state: 'active', assignedAgentName: 'Ada' } }),
      ev(3, 'doc'), ev(4, 'doc'), ev(5, 'doc'),
      ev(6, 'whisper', { text: 'hi', fromName: 'Sam' }),
      ev(7, 'doc'),
      ev(8, 'help', { raised: true, note: 'refund limit' }),
      ev(9, 'help', { raised: false }),
      ev(10, 'status', { changes: { state: 'wrap-up' } }),
    ])
    expect(t.map((e) => e.text)).toEqual([
      'Engagement opened from queue Sales, transferred from Bo',
      'State: Active · Assigned to Ada',
      'Notes edited (3 changes)',
      'Sam whispered: “hi”',
      'Notes edited',
      'Agent asked for help: “refund limit”',
      'Help request cleared',
      'State: Wrap-up',
    ])
    expect(t[2]).toMatchObject({ key: 3, at: T0 + 3000, until: T0 + 5000 })
  })

  it('folds the agent\'s switching and typing into one line, and counts a repeated line', () => {
    const t = buildTimeline([
      ev(1, 'context', { context: { engagementId: 'e' } }),
      ev(2, 'focus'), ev(3, 'doc'), ev(4, 'focus'), ev(5, 'doc'), ev(6, 'doc'), ev(7, 'focus'), ev(8, 'variables'),
      ev(9, 'whisper.read', { whisperSeq: 3 }), ev(10, 'whisper.read', { whisperSeq: 4 }),
      ev(11, 'focus'),
    ])
    expect(t.map((e) => e.text)).toEqual([
      'Engagement opened',
      'Agent switched to this engagement 3 times · Notes edited (3 changes) · Engagement variables updated',
      'Agent read a whisper (×2)',
      'Agent switched to this engagement',
    ])
    expect(t[1]).toMatchObject({ key: 2, until: T0 + 8000 })
    expect(t[2]).toMatchObject({ key: 9, until: T0 + 10000 })
  })
})

describe('whispers', () => {
  it('goes sending → delivered (ack) → read (whisper.read row)', () => {
    let ws = addLocalWhisper([], 'op-a', 'Offer credit', 'Sam', T0)
    expect(ws[0]?.status).toBe('sending')
    ws = ackWhisper(ws, 'op-a', 12)
    expect(ws[0]).toMatchObject({ status: 'delivered', seq: 12 })
    ws = applyWhisperEvents(ws, [ev(13, 'whisper.read', { whisperSeq: 12 })])
    expect(ws[0]).toMatchObject({ status: 'read', readAt: T0 + 13_000 })
  })

  it('matches its own log row by opId when it comes before the ack, and adds others', () => {
    let ws = addLocalWhisper([], 'op-a', 'mine', 'Sam', T0)
    ws = applyWhisperEvents(ws, [
      ev(5, 'whisper', { text: 'mine', fromName: 'Sam' }, { opId: 'op-a' }),
      ev(6, 'whisper', { text: 'from another supervisor', fromName: 'Kim' }),
    ])
    expect(ws.map((w) => [w.key, w.seq, w.status])).toEqual([['op-a', 5, 'delivered'], ['seq:6', 6, 'delivered']])
    expect(ackWhisper(ws, 'op-a', 5)).toEqual(ws)
  })

  it('marks a rejected whisper failed with the reason', () => {
    const ws = failWhisper(addLocalWhisper([], 'op-a', 'x', null, T0), 'op-a', 'You are not allowed to do that.')
    expect(ws[0]).toMatchObject({ status: 'failed', error: 'You are not allowed to do that.' })
  })

  it('takes read state from a snapshot and keeps unsent local whispers', () => {
    let ws = addLocalWhisper([], 'op-a', 'sent', 'Sam', T0)
    ws = ackWhisper(ws, 'op-a', 4)
    ws = addLocalWhisper(ws, 'op-b', 'pending', 'Sam', T0 + 1)
    const next = whispersFromSnapshot(ws, [
      { seq: 2, text: 'old', fromId: 's', fromName: 'Kim', at: T0 - 10, readAt: T0 - 5 },
      { seq: 4, text: 'sent', fromId: 's', fromName: 'Sam', at: T0, readAt: null },
    ])
    expect(next.map((w) => [w.key, w.status])).toEqual([['seq:2', 'read'], ['op-a', 'delivered'], ['op-b', 'sending']])
  })
})

describe('readWrapup', () => {
  it('reads disposition, tags (array or comma list) and summary, skipping junk', () => {
    expect(readWrapup({ disposition: 'Resolved', tags: ['a', 3, '', 'b'], summary: 'ok', extra: 1 }))
      .toEqual({ disposition: 'Resolved', tags: ['a', 'b'], summary: 'ok' })
    expect(readWrapup({ tags: 'x, y,,z' })).toEqual({ tags: ['x', 'y', 'z'] })
    expect(readWrapup({ disposition: 7 })).toEqual({})
  })
})
