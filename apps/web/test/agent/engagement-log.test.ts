import { describe, expect, it } from 'vitest'
import type { EngagementView, LogEvent } from '@switchboard/protocol'
import { applyEvent, applySnapshot, applyView, createSessionData, unreadWhispers } from '../../src/agent/engagement-log.ts'

function view(over: Partial<EngagementView> = {}): EngagementView {
  return {
    id: 'e1', agentId: 'a1', state: 'active', channel: 'voice', source: null, queueId: null, queueName: null,
    isConference: false, isTransfer: false, transfer: null, consumers: [], variables: {}, startedAt: 1,
    acceptedAt: 2, stateSince: 2, wrapupStartedAt: null, endedAt: null, handleMs: null, wrapupMs: null,
    help: null, notesPreview: '', lastSeq: 3, updatedAt: 3, ...over,
  }
}

function ev(seq: number, kind: LogEvent['kind'], data: Record<string, unknown>, at = seq * 1000): LogEvent {
  return { seq, kind, actorId: 'sup1', opId: `op${seq}`, at, data }
}

describe('engagement log rules', () => {
  it('keeps whispers from the snapshot and from events, ordered and without repeats', () => {
    const d = createSessionData()
    applySnapshot(d, {
      type: 'engagement.snapshot', engagementId: 'e1', seq: 5, engagement: view({ lastSeq: 5 }), doc: '',
      whispers: [{ seq: 4, text: 'first', fromId: 'sup1', fromName: 'Sam', at: 4000, readAt: null }],
      reason: 'subscribe',
    })
    applyEvent(d, ev(7, 'whisper', { text: 'third', fromId: 'sup1', fromName: 'Sam' }))
    applyEvent(d, ev(6, 'whisper', { text: 'second', fromId: 'sup1', fromName: null }))
    applyEvent(d, ev(7, 'whisper', { text: 'third', fromId: 'sup1', fromName: 'Sam' }))
    expect(d.whispers.map((w) => w.text)).toEqual(['first', 'second', 'third'])
    expect(d.synced).toBe(true)
  })

  it('marks a whisper read from the read receipt row, and counts unread ones', () => {
    const d = createSessionData()
    applyEvent(d, ev(2, 'whisper', { text: 'hi' }))
    applyEvent(d, ev(3, 'whisper', { text: 'there' }))
    expect(unreadWhispers(d, new Set()).map((w) => w.seq)).toEqual([2, 3])
    expect(unreadWhispers(d, new Set([3])).map((w) => w.seq)).toEqual([2])
    applyEvent(d, ev(4, 'whisper.read', { whisperSeq: 2 }, 9000))
    expect(d.whispers[0]!.readAt).toBe(9000)
    expect(unreadWhispers(d, new Set()).map((w) => w.seq)).toEqual([3])
  })

  it('follows the help flag', () => {
    const d = createSessionData()
    applyEvent(d, ev(2, 'help', { raised: true, note: 'angry caller' }))
    expect(d.help).toMatchObject({ raisedBy: 'sup1', note: 'angry caller' })
    applyEvent(d, ev(3, 'help', { raised: false }))
    expect(d.help).toBeNull()
  })

  it('never replaces the projection with an older one', () => {
    const d = createSessionData()
    applyView(d, view({ lastSeq: 9, state: 'wrap-up' }))
    applyView(d, view({ lastSeq: 8, state: 'active' }))
    expect(d.view?.state).toBe('wrap-up')
  })
})
