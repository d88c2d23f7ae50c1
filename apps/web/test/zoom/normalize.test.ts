import { describe, expect, it } from 'vitest'
import { toZoomError } from '../../src/agent/zoom/errors.ts'
import {
  epochMs, eventTimestamp, normalizeContext, normalizeStatus, normalizeVariables,
} from '../../src/agent/zoom/normalize.ts'

describe('normalize', () => {
  it('reads Zoom times as seconds, milliseconds or ISO strings', () => {
    expect(epochMs(1731031732)).toBe(1731031732000)
    expect(epochMs(1731031732123)).toBe(1731031732123)
    expect(epochMs('2024-11-08T02:08:52Z')).toBe(Date.parse('2024-11-08T02:08:52Z'))
    expect(epochMs('nonsense')).toBeUndefined()
    expect(eventTimestamp(undefined, 42)).toBe(42)
  })

  it('maps a context to the protocol shape, with string booleans as booleans', () => {
    expect(normalizeContext({
      engagementContext: { engagementId: 'e1', startTime: 1731031732, isTransfer: 'true', transferType: 'warm', extra: 1 },
    })).toEqual({ engagementId: 'e1', startTime: 1731031732000, isTransfer: true, transferType: 'warm' })
    expect(normalizeContext({ engagementContext: {} })).toBeNull()
  })

  it('keeps only the fields present in a status diff and drops unknown ones', () => {
    expect(normalizeStatus({ engagementStatus: { engagementId: 'e1', state: 'wrap-up', isConference: 'false', foo: 1 } }))
      .toEqual({ engagementId: 'e1', status: { state: 'wrap-up', isConference: false } })
    expect(normalizeStatus({ engagementStatus: { engagementId: 'e1', state: 'weird' } }))
      .toEqual({ engagementId: 'e1', status: {} })
  })

  it('reads variables and skips ones without an id', () => {
    expect(normalizeVariables({ variables: [{ id: 'a', name: 'A', value: 'x' }, { value: 1 }, { id: 'b', value: { n: 1 } }] }))
      .toEqual([{ id: 'a', name: 'A', value: 'x' }, { id: 'b', value: '{"n":1}' }])
  })
})

describe('toZoomError', () => {
  it('maps by code, then by the SDK\'s own messages', () => {
    expect(toZoomError('x', Object.assign(new Error('m'), { code: 10242 })).kind).toBe('not-in-contact-center')
    expect(toZoomError('x', Object.assign(new Error('m'), { code: '10243' }))).toMatchObject({ kind: 'not-in-engagement', code: 10243 })
    expect(toZoomError('x', Object.assign(new Error('m'), { code: 10001 }))).toMatchObject({ kind: 'zoom', code: 10001 })
    expect(toZoomError('x', new Error('getEngagementStatus took longer than 10000ms to respond.')).kind).toBe('timeout')
    expect(toZoomError('x', new Error('The Zoom Apps SDK is not supported by this browser')).kind).toBe('unsupported-browser')
  })
})
