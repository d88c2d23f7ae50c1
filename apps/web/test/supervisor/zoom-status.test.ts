import { describe, expect, it } from 'vitest'
import { isRosterAgent } from '../../src/supervisor/board-view.ts'
import { contactCenterText, inContactCenter, sourceMark, sourcesText } from '../../src/supervisor/zoom-status.ts'
import { agent, engagement, T0 } from './fixtures.ts'

const cc = (over: Partial<NonNullable<Parameters<typeof contactCenterText>[0]>> = {}) => ({
  status: 'Not Ready', statusId: '2', subStatus: 'Meal', subStatusId: '21', since: T0 - 5 * 60_000, loggedIn: true, ...over,
})

describe('where an engagement is known from', () => {
  it('marks a row only when no agent app reports it', () => {
    expect(sourceMark(engagement('e', { sources: ['webhook'] }))?.label).toBe('Zoom only')
    expect(sourceMark(engagement('e', { sources: ['rest'] }))?.label).toBe('Zoom only')
    expect(sourceMark(engagement('e', { sources: ['app', 'webhook'] }))).toBeNull()
    expect(sourceMark(engagement('e', { sources: ['app'] }))).toBeNull()
    // An older server sends no sources: nothing to say.
    expect(sourceMark(engagement('e'))).toBeNull()
  })

  it('names every source in the title', () => {
    expect(sourcesText(engagement('e', { sources: ['app', 'webhook', 'rest'] }))).toBe('the agent app and Zoom')
    expect(sourcesText(engagement('e', { sources: ['app'] }))).toBe('the agent app')
    expect(sourcesText(engagement('e'))).toBe('')
  })
})

describe('Contact Center status on the roster', () => {
  it('shows status and reason, with a tone and how long', () => {
    expect(contactCenterText(cc(), T0)).toEqual({ label: 'Not Ready · Meal', tone: 'away', title: 'Contact Center: Not Ready (Meal) for 5 minutes' })
    expect(contactCenterText(cc({ status: 'Ready', subStatus: null }), T0)).toMatchObject({ label: 'Ready', tone: 'ready' })
    expect(contactCenterText(cc({ status: 'Occupied', subStatus: null }), T0)?.tone).toBe('busy')
    expect(contactCenterText(cc({ status: 'Offline', subStatus: null, loggedIn: false }), T0)).toMatchObject({ tone: 'off', title: expect.stringContaining('logged out') })
    expect(contactCenterText(cc({ status: null, subStatus: null, since: null, loggedIn: true }), T0)?.label).toBe('Logged in')
    expect(contactCenterText(null, T0)).toBeNull()
    expect(contactCenterText(cc({ status: null, subStatus: null, loggedIn: null }), T0)).toBeNull()
  })

  it('keeps agents signed in to Contact Center on the roster even with the app closed', () => {
    const closed = agent('a', { online: false, sessions: 0 })
    expect(isRosterAgent(closed)).toBe(false)
    expect(isRosterAgent({ ...closed, contactCenter: cc({ status: 'Ready', subStatus: null }) })).toBe(true)
    expect(isRosterAgent({ ...closed, contactCenter: cc({ status: 'Offline', subStatus: null, loggedIn: null }) })).toBe(false)
    expect(isRosterAgent({ ...closed, contactCenter: cc({ loggedIn: false }) })).toBe(false)
    expect(inContactCenter({ contactCenter: cc({ status: null, loggedIn: true }) })).toBe(true)
  })
})
