import { describe, expect, it } from 'vitest'
import type { EngagementView } from '@switchboard/protocol'
import { engagementDisplay } from '../../src/agent/display.ts'
import type { EngagementEntry } from '../../src/agent/zoom/engagement-merge.ts'

function entry(over: Partial<EngagementEntry> = {}): EngagementEntry {
  return {
    id: 'e1', context: { engagementId: 'e1', queueName: 'Billing', acceptTime: 1_000 }, status: {
      state: 'active', channel: 'voice', consumers: [{ consumerDisplayName: 'Ana Lima', consumerNumber: '+1 555 0100' }],
    }, fieldTs: {}, variables: {}, variableTs: {}, lastEventTs: 0, firstSeenAt: 0, updatedAt: 0, stateSince: 5_000,
    endedAt: null, ...over,
  }
}

function view(over: Partial<EngagementView> = {}): EngagementView {
  return {
    id: 'e1', agentId: 'a1', state: 'active', channel: 'messaging', source: 'web', queueId: 'q1', queueName: 'Sales',
    isConference: false, isTransfer: true, transfer: { type: 'warm', fromAgentName: 'Bo' }, consumers: [{ consumerEmail: 'x@y.z' }],
    variables: {}, startedAt: 100, acceptedAt: 200, stateSince: 3_000, wrapupStartedAt: null, endedAt: null,
    handleMs: null, wrapupMs: null, help: null, notesPreview: '', lastSeq: 1, updatedAt: 1, ...over,
  }
}

describe('engagementDisplay', () => {
  it('shows Zoom data at once, before the server answers', () => {
    const d = engagementDisplay(entry(), null)
    expect(d).toMatchObject({
      consumer: 'Ana Lima', consumerDetail: '+1 555 0100', channel: 'voice', queue: 'Billing',
      state: 'active', stateSince: 5_000, handleSince: 1_000, handleUntil: null, transfer: null,
    })
  })

  it('falls back to the server projection (after a reload), on the browser clock', () => {
    const d = engagementDisplay(null, view(), 1_000)
    expect(d).toMatchObject({
      consumer: 'x@y.z', consumerDetail: null, channel: 'messaging', queue: 'Sales',
      stateSince: 2_000, handleSince: -800, transfer: 'Transferred (warm) from Bo',
    })
  })

  it('takes the earlier start of the same state (a reload reads the state late)', () => {
    const d = engagementDisplay(entry({ stateSince: 9_000 }), view({ stateSince: 4_000 }))
    expect(d.stateSince).toBe(4_000)
  })

  it('ignores the server start when the server still shows another state', () => {
    const d = engagementDisplay(entry({ status: { state: 'wrap-up' }, stateSince: 9_000 }), view({ state: 'active', stateSince: 4_000 }))
    expect(d.stateSince).toBe(9_000)
  })

  it('stops handle time at the end', () => {
    const d = engagementDisplay(entry({ status: { state: 'end' }, endedAt: 60_000 }), null)
    expect(d.handleUntil).toBe(60_000)
  })
})
