import { describe, expect, it } from 'vitest'
import { collectAlerts, evaluateAlerts, handleTimeMs, rowAlertLevel } from '../../src/supervisor/alerts.ts'
import { engagement, T0 } from './fixtures.ts'

const t = { handleMs: 10 * 60_000, wrapupMs: 2 * 60_000, inactiveMs: 60_000 }

describe('evaluateAlerts', () => {
  it('raises nothing under every threshold', () => {
    expect(evaluateAlerts(engagement('e1'), t, T0)).toEqual([])
  })

  it('raises a handle-time alert past the threshold, measured from acceptance', () => {
    const e = engagement('e1', { acceptedAt: T0 - 11 * 60_000, startedAt: T0 - 20 * 60_000 })
    const [a] = evaluateAlerts(e, t, T0)
    expect(a?.kind).toBe('handle')
    expect(a?.overMs).toBe(60_000)
    expect(a?.since).toBe(T0 - 11 * 60_000)
  })

  it('measures from the start when the acceptance time is unknown', () => {
    const e = engagement('e1', { acceptedAt: null, startedAt: T0 - 11 * 60_000 })
    expect(evaluateAlerts(e, t, T0).map((a) => a.kind)).toEqual(['handle'])
  })

  it('does not count handle time once wrap-up began; wrap-up has its own threshold', () => {
    const e = engagement('e1', {
      state: 'wrap-up', acceptedAt: T0 - 60 * 60_000, handleMs: 57 * 60_000,
      wrapupStartedAt: T0 - 3 * 60_000, stateSince: T0 - 3 * 60_000,
    })
    expect(evaluateAlerts(e, t, T0).map((a) => a.kind)).toEqual(['wrapup'])
    expect(handleTimeMs(e, T0)).toBe(57 * 60_000)
  })

  it('raises inactive past its threshold', () => {
    const e = engagement('e1', { state: 'inactive', stateSince: T0 - 90_000 })
    expect(evaluateAlerts(e, t, T0).map((a) => a.kind)).toEqual(['inactive'])
  })

  it('treats a zero threshold as disabled', () => {
    const e = engagement('e1', { state: 'inactive', stateSince: T0 - 90 * 60_000, acceptedAt: T0 - 90 * 60_000 })
    expect(evaluateAlerts(e, { handleMs: 0, wrapupMs: 0, inactiveMs: 0 }, T0)).toEqual([])
  })

  it('is exactly at the threshold: not yet an alert', () => {
    const e = engagement('e1', { acceptedAt: T0 - 10 * 60_000 })
    expect(evaluateAlerts(e, t, T0)).toEqual([])
    expect(evaluateAlerts(e, t, T0 + 1).map((a) => a.kind)).toEqual(['handle'])
  })

  it('puts a help flag first, with who raised it', () => {
    const help = { raisedBy: 'agent-1', raisedByName: 'Ada', at: T0 - 5000 }
    const e = engagement('e1', { help, acceptedAt: T0 - 11 * 60_000 })
    const alerts = evaluateAlerts(e, t, T0)
    expect(alerts.map((a) => a.kind)).toEqual(['help', 'handle'])
    expect(alerts[0]?.help).toEqual(help)
    expect(rowAlertLevel(alerts)).toBe('help')
  })
})

describe('collectAlerts', () => {
  it('orders help flags first (oldest first), then alerts by how far over', () => {
    const es = [
      engagement('late', { acceptedAt: T0 - 30 * 60_000 }),
      engagement('help-new', { help: { raisedBy: 'a', at: T0 - 1000 } }),
      engagement('slightly', { acceptedAt: T0 - 11 * 60_000 }),
      engagement('help-old', { help: { raisedBy: 'b', at: T0 - 9000 } }),
      engagement('fine'),
    ]
    expect(collectAlerts(es, t, T0).map((a) => `${a.kind}:${a.engagementId}`)).toEqual([
      'help:help-old', 'help:help-new', 'handle:late', 'handle:slightly',
    ])
  })

  it('gives no row level without alerts', () => {
    expect(rowAlertLevel([])).toBeNull()
  })
})
