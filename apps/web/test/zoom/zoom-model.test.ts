import { describe, expect, it } from 'vitest'
import { ZoomModel } from '../../src/simulator/zoom-model.ts'
import type { ZoomEvent } from '../../src/simulator/zoom-types.ts'

type DataOf<N extends ZoomEvent['name']> = Extract<ZoomEvent, { name: N }>['data']

function data<N extends ZoomEvent['name']>(event: ZoomEvent | undefined, name: N): DataOf<N> {
  if (event?.name !== name) throw new Error(`expected ${name}, got ${event?.name}`)
  const d: unknown = event.data
  return d as DataOf<N>
}

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
    expect(data(event, 'onEngagementStatusChange').engagementStatus).toEqual({ engagementId: 'e1', state: 'wrap-up' })
    expect(m.setStatus('e1', { state: 'wrap-up' })).toEqual([])
    const [end] = m.setStatus('e1', { state: 'end' })
    expect(data(end, 'onEngagementStatusChange').engagementStatus).toEqual({ engagementId: 'e1', state: 'end', endTime: expect.any(Number) })
  })

  it('sends variable changes only for the engagement on screen', () => {
    const m = model()
    m.createEngagement({ id: 'e1' })
    m.createEngagement({ id: 'e2', focus: false })
    expect(m.setVariables('e2', { 'var-vip': true })).toEqual([])
    const [event] = m.setVariables('e1', { 'var-vip': true, 'var-priority': 2 })
    expect(data(event, 'onEngagementVariableValueChange').variables).toEqual([
      { id: 'var-vip', name: 'VIP', value: true }, { id: 'var-priority', name: 'Priority', value: 2 },
    ])
    expect(data(event, 'onEngagementVariableValueChange').timestamp).toBeLessThan(1e11) // seconds, like Zoom's documented example
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
    // Without an id, as Zoom's samples call it: the engagement on screen.
    expect(m.handle('getEngagementStatus', undefined)).toMatchObject({ result: { engagementStatus: { engagementId: 'e1', state: 'active' } } })
    m.configure({ runningContext: 'inMeeting' })
    expect(m.handle('getEngagementStatus', { engagementId: 'e1' })).toMatchObject({ errorCode: 10242 })
  })

  it('answers a call outside the configured capabilities as usual and notes it, with no invented error', () => {
    const m = model()
    m.handle('config', { js_api_lists: ['getRunningContext'], version: '0.16' })
    const r = m.handle('getUserContext', undefined)
    expect(r).toMatchObject({ result: { status: 'authorized', role: 'agent' } })
    expect(r.note).toMatch(/not in the capabilities/)
    expect('errorCode' in r).toBe(false)
    expect(m.handle('getRunningContext', undefined)).toEqual({ result: 'inContactCenter' })
  })

  it('reports the client settings in config and sends no event the client does not have', () => {
    const m = model()
    m.configure({ clientVersion: '6.1.0', unsupported: ['getEngagementVariableValue', 'onEngagementVariableValueChange'] })
    const config = m.handle('config', { js_api_lists: ['getEngagementStatus', 'getEngagementVariableValue', 'onEngagementVariableValueChange'], version: '0.16' })
    expect(config).toMatchObject({ result: { clientVersion: '6.1.0', unsupportedApis: ['getEngagementVariableValue', 'onEngagementVariableValueChange'] } })
    m.createEngagement({ id: 'e1' })
    expect(m.setVariables('e1', { 'var-vip': true })).toEqual([])
    expect(m.handle('getEngagementVariableValue', { engagementId: 'e1' }).note).toMatch(/reported unsupported/)
  })

  it('does not answer about an ended engagement, as the client does not', () => {
    const m = model()
    m.createEngagement({ id: 'e1' })
    m.setStatus('e1', { state: 'end' })
    for (const api of ['getEngagementContext', 'getEngagementStatus', 'getEngagementVariableValue']) {
      expect(m.handle(api, { engagementId: 'e1' })).toMatchObject({ errorCode: 10243 })
      expect(m.handle(api, undefined)).toMatchObject({ errorCode: 10243 })
    }
  })
})
