import { describe, expect, it } from 'vitest'
import { viewerStatusText } from '../../src/supervisor/viewer-status.ts'
import { statusText, type StatusInput } from '../../src/lib/status-text.ts'

const base: StatusInput = { status: 'connected', pending: 0, savingDelayed: false, fatal: null }

describe('viewerStatusText (the supervisor dashboard status line)', () => {
  it('says Live, Reconnecting… and Offline rather than the editor wording', () => {
    expect(viewerStatusText(base)).toEqual({ label: 'Live', detail: '', tone: 'ok' })
    expect(viewerStatusText({ ...base, status: 'reconnecting' })).toMatchObject({ label: 'Reconnecting…', tone: 'warn' })
    expect(viewerStatusText({ ...base, status: 'offline' })).toMatchObject({ label: 'Offline', tone: 'warn' })
    expect(viewerStatusText({ ...base, status: 'connecting' })).toMatchObject({ label: 'Connecting…', tone: 'busy' })
    // The agent wording is untouched.
    expect(statusText(base).label).toBe('All changes saved')
  })

  it('still reports unsent whispers or settings, a delayed database and a terminal problem', () => {
    expect(viewerStatusText({ ...base, pending: 1 })).toMatchObject({ label: 'Live · sending…', tone: 'busy' })
    expect(viewerStatusText({ ...base, status: 'offline', pending: 2 }).label).toBe('Offline · 2 unsent changes')
    expect(viewerStatusText({ ...base, savingDelayed: true })).toMatchObject({ label: 'Live · saving delayed', tone: 'warn' })
    expect(viewerStatusText({ ...base, fatal: 'Signed out.' })).toEqual({ label: 'Disconnected', detail: 'Signed out.', tone: 'error' })
  })
})
