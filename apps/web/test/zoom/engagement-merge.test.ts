import { describe, expect, it } from 'vitest'
import {
  applyContext, applyFocus, applyStatusDiff, applyStatusSnapshot, applyVariables, createEngagementsState,
  listEngagements,
} from '../../src/agent/zoom/engagement-merge.ts'

const NOW = 1_700_000_000_000

function started() {
  const s = createEngagementsState()
  applyContext(s, { engagementId: 'e1', queueName: 'Billing' }, NOW)
  applyFocus(s, 'e1', 0, NOW)
  applyStatusSnapshot(s, 'e1', {
    engagementId: 'e1',
    status: { state: 'active', channel: 'voice', source: '', consumers: [{ consumerDisplayName: 'Ada' }] },
  }, NOW)
  return s
}

describe('status diffs', () => {
  it('merge only the changed fields into the engagement named by the event', () => {
    const s = started()
    applyContext(s, { engagementId: 'e2' }, NOW)
    applyFocus(s, 'e2', 100, NOW)
    // A diff for e1 while e2 is on screen goes to e1, never to the focused one.
    const changed = applyStatusDiff(s, 'e1', { state: 'wrap-up' }, 200, NOW + 1)
    expect(changed).toEqual(['state'])
    expect(s.byId.e1!.status).toEqual({
      state: 'wrap-up', channel: 'voice', source: '', consumers: [{ consumerDisplayName: 'Ada' }],
    })
    expect(s.byId.e1!.stateSince).toBe(200)
    expect(s.byId.e2!.status).toEqual({})
    expect(s.focusedId).toBe('e2')
  })

  it('are idempotent when repeated', () => {
    const s = started()
    expect(applyStatusDiff(s, 'e1', { state: 'inactive', channel: 'video' }, 300, NOW)).toEqual(['state', 'channel'])
    const snapshot = structuredClone(s)
    expect(applyStatusDiff(s, 'e1', { state: 'inactive', channel: 'video' }, 300, NOW + 5)).toEqual([])
    expect(s).toEqual(snapshot)
  })

  it('never let an older event overwrite a newer value of the same field', () => {
    const s = started()
    applyStatusDiff(s, 'e1', { state: 'wrap-up' }, 500, NOW)
    // The earlier "inactive" arrives late; a field it alone carries still applies.
    const changed = applyStatusDiff(s, 'e1', { state: 'inactive', assignedAgentName: 'Bo' }, 400, NOW)
    expect(changed).toEqual(['assignedAgentName'])
    expect(s.byId.e1!.status.state).toBe('wrap-up')
    expect(s.byId.e1!.status.assignedAgentName).toBe('Bo')
  })

  it('apply a newer event after an older one normally', () => {
    const s = started()
    applyStatusDiff(s, 'e1', { state: 'inactive' }, 400, NOW)
    applyStatusDiff(s, 'e1', { state: 'active' }, 450, NOW)
    expect(s.byId.e1!.status.state).toBe('active')
    expect(s.byId.e1!.stateSince).toBe(450)
  })

  it('end keeps the ended engagement and does not clear the focused one', () => {
    const s = started()
    applyContext(s, { engagementId: 'e2' }, NOW)
    applyFocus(s, 'e2', 100, NOW)
    applyStatusDiff(s, 'e1', { state: 'end', endTime: NOW + 9000 }, 600, NOW)
    expect(s.focusedId).toBe('e2')
    expect(s.byId.e1!.context).toEqual({ engagementId: 'e1', queueName: 'Billing' })
    expect(s.byId.e1!.status.state).toBe('end')
    expect(s.byId.e1!.endedAt).toBe(NOW + 9000)
    // Ending the focused engagement keeps it focused too (Zoom hides the app; code still runs).
    applyStatusDiff(s, 'e2', { state: 'end' }, 700, NOW)
    expect(s.focusedId).toBe('e2')
    expect(s.byId.e2!.endedAt).toBe(700)
  })

  it('create an entry for an engagement first seen through a status event', () => {
    const s = createEngagementsState()
    applyStatusDiff(s, 'e9', { state: 'active' }, 10, NOW)
    expect(listEngagements(s).map((e) => e.id)).toEqual(['e9'])
    expect(s.byId.e9!.context).toBeNull()
  })

  it('copy arrays so later edits of the event object do not leak into the cache', () => {
    const s = started()
    const consumers = [{ consumerDisplayName: 'Cy' }]
    applyStatusDiff(s, 'e1', { consumers }, 10, NOW)
    consumers[0]!.consumerDisplayName = 'changed'
    expect(s.byId.e1!.status.consumers).toEqual([{ consumerDisplayName: 'Cy' }])
  })
})

describe('status snapshots', () => {
  it('are dropped when the reply is about another engagement (wrong-id guard)', () => {
    const s = started()
    const result = applyStatusSnapshot(s, 'e1', { engagementId: 'e2', status: { state: 'end' } }, NOW)
    expect(result).toBeNull()
    expect(s.byId.e1!.status.state).toBe('active')
    expect(s.byId.e2).toBeUndefined()
  })

  it('count as newer than every event already received', () => {
    const s = started()
    applyStatusDiff(s, 'e1', { state: 'inactive' }, 900, NOW)
    applyStatusSnapshot(s, 'e1', { engagementId: 'e1', status: { state: 'active', channel: 'voice' } }, NOW + 1)
    expect(s.byId.e1!.status.state).toBe('active')
    // ...but an event older than those already seen still cannot overwrite it.
    applyStatusDiff(s, 'e1', { state: 'wrap-up' }, 800, NOW + 2)
    expect(s.byId.e1!.status.state).toBe('active')
    applyStatusDiff(s, 'e1', { state: 'wrap-up' }, 901, NOW + 2)
    expect(s.byId.e1!.status.state).toBe('wrap-up')
  })
})

describe('focus', () => {
  it('switches on a newer context change and ignores an older one arriving late', () => {
    const s = started()
    expect(applyFocus(s, 'e2', 200, NOW)).toBe(true)
    expect(applyFocus(s, 'e3', 150, NOW)).toBe(false)
    expect(s.focusedId).toBe('e2')
    expect(applyFocus(s, 'e2', 200, NOW)).toBe(false) // repeat
    expect(applyFocus(s, 'e1', 250, NOW)).toBe(true)
    expect(s.focusedId).toBe('e1')
    expect(listEngagements(s).map((e) => e.id)).toEqual(['e1', 'e2'])
  })

  it('keeps each engagement\'s own context when switching back and forth', () => {
    const s = started()
    applyContext(s, { engagementId: 'e2', queueName: 'Sales' }, NOW)
    applyFocus(s, 'e2', 10, NOW)
    applyFocus(s, 'e1', 20, NOW)
    expect(s.byId.e1!.context?.queueName).toBe('Billing')
    expect(s.byId.e2!.context?.queueName).toBe('Sales')
  })
})

describe('variables', () => {
  it('merge per variable with the same ordering and idempotence rules', () => {
    const s = started()
    expect(applyVariables(s, 'e1', [{ id: 'v1', value: 'a' }, { id: 'v2', value: 1 }], 100, NOW)).toEqual(['v1', 'v2'])
    expect(applyVariables(s, 'e1', [{ id: 'v1', value: 'a' }], 100, NOW)).toEqual([])
    expect(applyVariables(s, 'e1', [{ id: 'v1', value: 'old' }], 50, NOW)).toEqual([])
    expect(applyVariables(s, 'e1', [{ id: 'v1', value: 'b' }], null, NOW)).toEqual(['v1'])
    expect(s.byId.e1!.variables).toEqual({ v1: { id: 'v1', value: 'b' }, v2: { id: 'v2', value: 1 } })
  })
})
