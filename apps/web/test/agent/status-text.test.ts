import { describe, expect, it } from 'vitest'
import { STORAGE_FAILED_MESSAGE, statusText } from '../../src/lib/status-text.ts'
import { wsUrl } from '../../src/lib/ws-url.ts'
import { toConnectionState } from '../../src/lib/connection.svelte.ts'

describe('statusText', () => {
  it('says all changes are saved when connected with nothing pending', () => {
    expect(statusText({ status: 'connected', pending: 0, savingDelayed: false })).toMatchObject({ label: 'All changes saved', tone: 'ok' })
  })

  it('says saving while ops wait for their ack', () => {
    expect(statusText({ status: 'connected', pending: 2, savingDelayed: false })).toMatchObject({ label: 'Saving…', tone: 'busy' })
  })

  it('counts unsent changes when offline or reconnecting', () => {
    expect(statusText({ status: 'offline', pending: 3, savingDelayed: false }).label).toBe('Offline · 3 unsent changes')
    expect(statusText({ status: 'offline', pending: 1, savingDelayed: false }).label).toBe('Offline · 1 unsent change')
    expect(statusText({ status: 'offline', pending: 0, savingDelayed: false }).label).toBe('Offline · all changes saved')
    expect(statusText({ status: 'reconnecting', pending: 2, savingDelayed: false }).label).toBe('Reconnecting… · 2 unsent changes')
    expect(statusText({ status: 'reconnecting', pending: 0, savingDelayed: false }).label).toBe('Reconnecting…')
  })

  it('says saving is delayed while the server cannot reach its database', () => {
    const t = statusText({ status: 'connected', pending: 4, savingDelayed: true })
    expect(t.label).toBe('Saving delayed · 4 unsent changes')
    expect(t.tone).toBe('warn')
  })

  it('reports a terminal problem with its reason', () => {
    const t = statusText({ status: 'offline', pending: 1, savingDelayed: false, fatal: 'Sign in again.' })
    expect(t).toEqual({ label: 'Disconnected · 1 unsent change', detail: 'Sign in again.', tone: 'error' })
  })

  it('does not claim unsent changes are kept on the device when the device could not store them', () => {
    const kept = statusText({ status: 'offline', pending: 2, savingDelayed: false })
    expect(kept.detail).toMatch(/kept on this device/)
    const t = statusText({ status: 'offline', pending: 2, savingDelayed: false, storageFailed: true })
    expect(t).toEqual({ label: 'Offline · 2 unsent changes', detail: STORAGE_FAILED_MESSAGE, tone: 'error' })
    expect(statusText({ status: 'reconnecting', pending: 1, savingDelayed: false, storageFailed: true }))
      .toEqual({ label: 'Reconnecting… · 1 unsent change', detail: STORAGE_FAILED_MESSAGE, tone: 'error' })
    expect(STORAGE_FAILED_MESSAGE).toMatch(/^Changes could not be stored on this device/)
    // Nothing unsent, or connected and sending: nothing is at risk from the device.
    expect(statusText({ status: 'offline', pending: 0, savingDelayed: false, storageFailed: true }).label).toBe('Offline · all changes saved')
    expect(statusText({ status: 'connected', pending: 1, savingDelayed: false, storageFailed: true }).label).toBe('Saving…')
  })
})

describe('wsUrl', () => {
  it('uses wss on https and passes the token', () => {
    expect(wsUrl({ protocol: 'https:', host: 'sb.example.com' })).toBe('wss://sb.example.com/ws')
    expect(wsUrl({ protocol: 'http:', host: 'localhost:3000' }, 'a b')).toBe('ws://localhost:3000/ws?token=a%20b')
  })
})

describe('toConnectionState', () => {
  it('maps the sync client states to the words the status uses', () => {
    expect(toConnectionState('open')).toBe('connected')
    expect(toConnectionState('connecting')).toBe('connecting')
    expect(toConnectionState('reconnecting')).toBe('reconnecting')
    expect(toConnectionState('offline')).toBe('offline')
    expect(toConnectionState('closed')).toBe('offline')
  })
})
