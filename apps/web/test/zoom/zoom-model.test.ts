import { describe, expect, it } from 'vitest'
import { ZoomModel } from '../../src/simulator/zoom-model.ts'

function model() {
  let t = 1_700_000_000_000
  return new ZoomModel({ now: () => ++t })
}

describe('emulated Zoom client', () => {
  it('switches to a new engagement with a context-change event in Zoom\'s shape', () => {
    const m = model()
    const { id, events } = m.createEngagement({ id: 'e1', queueName: 'Billing', transfer: { type: 'warm', fromAgentName: 'Cy' } })
    expect(id).toBe('e1')
    expect(m.focusedId).toBe('e1')
    expect(events).toHaveLength(1)
    expect(events[0]!.name).toBe('onEngagementContextChange')
    expect(events[0]!.data).toMatchObject({
      engagementContext: { engagementId: 'e1', queueName: 'Billing', isTransfer: 'true', transferType: 'warm', transferFromAgentName: 'Cy' },
      timestamp: expect.any(Number),
    })
    expect(m.createEngagement({ id: 'e2', focus: false }).events).toEqual([])
    expect(m.focusedId).toBe('e1')
  })

  it('sends only the changed status fields, and nothing when nothing changed', () => {
    const m = model()
    m.createEngagement({ id: 'e1', channel: 'voice' })
    const [event] = m.setStatus('e1', { state: 'wrap-up', channel: 'voice' })
    expect(event!.data.engagementStatus).toEqual({ engagementId: 'e1', state: 'wrap-up' })
    expect(m.setStatus('e1', { state: 'wrap-up' })).toEqual([])
    const [end] = m.setStatus('e1', { state: 'end' })
    expect(end!.data.engagementStatus).toEqual({ engagementId: 'e1', state: 'end', endTime: expect.any(Number) })
  })

  it('sends variable changes only for the engagement on screen', () => {
    const m = model()
    m.createEngagement({ id: 'e1' })
    m.createEngagement({ id: 'e2', focus: false })
    expect(m.setVariables('e2', { 'var-vip': true })).toEqual([])
    const [event] = m.setVariables('e1', { 'var-vip': true, 'var-priority': 2 })
    expect(event!.data.variables).toEqual([
      { id: 'var-vip', name: 'VIP', value: true }, { id: 'var-priority', name: 'Priority', value: 2 },
    ])
    expect(event!.data.timestamp).toBeLessThan(1e11) // seconds, like Zoom's documented example
    expect(m.handle('getEngagementVariableValue', { engagementId: 'e2' })).toEqual({
      result: { variables: [{ id: 'var-vip', name: 'VIP', value: true }] },
    })
  })

  it('answers the SDK calls like the client, with 10243 outside an engagement', () => {
    const m = model()
    expect(m.handle('getEngagementContext', undefined)).toMatchObject({ errorCode: 10243 })
    const config = m.handle('config', { js_api_lists: ['getRunningContext', 'getEngagementContext', 'getEngagementStatus'], version: '0.16' })
    expect(config).toMatchObject({ result: { clientVersion: expect.any(String), runningContext: 'inContactCenter', unsupportedApis: [] } })
    expect(m.sdkVersion).toBe('0.16')
    expect(m.handle('getRunningContext', undefined)).toEqual({ result: 'inContactCenter' })
    m.createEngagement({ id: 'e1' })
    expect(m.handle('getEngagementContext', undefined)).toMatchObject({ result: { engagementContext: { engagementId: 'e1' } } })
    expect(m.handle('getEngagementStatus', { engagementId: 'nope' })).toMatchObject({ errorCode: 10243 })
    // Not in the config capabilities: refused, so a missing capability shows up in development.
    expect(m.handle('getUserContext', undefined)).toMatchObject({ errorCode: 10001 })
    m.runningContext = 'inMeeting'
    expect(m.handle('getEngagementStatus', { engagementId: 'e1' })).toMatchObject({ errorCode: 10242 })
  })
})
