import { describe, expect, it } from 'vitest'
import { filterOptions, isRosterAgent, matchesFilters, rosterAgents, sortEngagements, sortRoster, virtualWindow } from '../../src/supervisor/board-view.ts'
import { agent, engagement, T0 } from './fixtures.ts'

const thresholds = { handleMs: 10 * 60_000, wrapupMs: 0, inactiveMs: 0 }
const ctx = { agents: new Map([['agent-2', agent('agent-2', { displayName: 'Bea' })]]), thresholds, now: T0 }

const rows = [
  engagement('e1', { agentName: 'Cy', channel: 'voice', queueId: 'q1', queueName: 'Sales', stateSince: T0 - 1000 }),
  engagement('e2', { agentId: 'agent-2', agentName: undefined, channel: 'messaging', queueId: 'q2', queueName: 'Billing', state: 'inactive', stateSince: T0 - 9000 }),
  engagement('e3', { agentName: 'Al', channel: 'email', queueId: null, queueName: null, state: 'wrap-up', stateSince: T0 - 5000, acceptedAt: T0 - 20 * 60_000, handleMs: 19 * 60_000 }),
  engagement('e4', { agentName: 'Di', acceptedAt: T0 - 11 * 60_000, stateSince: T0 - 11 * 60_000 }),
  engagement('e5', { agentName: 'Ed', help: { raisedBy: 'x', at: T0 } }),
]

describe('board filters', () => {
  it('matches on queue, agent, state and channel together', () => {
    const f = { queue: '', agent: '', state: '' as const, channel: '' }
    expect(rows.filter((e) => matchesFilters(e, f))).toHaveLength(5)
    expect(rows.filter((e) => matchesFilters(e, { ...f, queue: 'q2' })).map((e) => e.id)).toEqual(['e2'])
    expect(rows.filter((e) => matchesFilters(e, { ...f, state: 'active', channel: 'voice' })).map((e) => e.id)).toEqual(['e1', 'e4', 'e5'])
    expect(rows.filter((e) => matchesFilters(e, { ...f, agent: 'agent-2', state: 'active' }))).toEqual([])
  })

  it('lists options present on the board and keeps a selected value that is gone', () => {
    const o = filterOptions(rows, ctx.agents, { queue: 'q-gone', agent: '', state: '', channel: '' })
    expect(o.queues.map((q) => q.value)).toEqual(['q2', 'q-gone', 'q1', 'q-sales'])
    expect(o.channels.map((c) => c.value)).toEqual(['email', 'messaging', 'voice'])
    expect(o.agents.find((a) => a.value === 'agent-2')?.label).toBe('Bea')
  })
})

describe('board sort', () => {
  const ids = (key: Parameters<typeof sortEngagements>[1], dir: 'asc' | 'desc') =>
    sortEngagements(rows, key, dir, ctx).map((e) => e.id)

  it('sorts text columns by label, agent names falling back to the roster', () => {
    expect(ids('agent', 'asc')).toEqual(['e3', 'e2', 'e1', 'e4', 'e5'])
    expect(ids('agent', 'desc')).toEqual(['e5', 'e4', 'e1', 'e2', 'e3'])
  })

  it('sorts time in state with the longest first when descending', () => {
    expect(ids('timeInState', 'desc')).toEqual(['e4', 'e5', 'e2', 'e3', 'e1'])
  })

  it('puts help first, then threshold alerts, then the rest by handle time', () => {
    expect(ids('alert', 'desc')).toEqual(['e5', 'e4', 'e3', 'e1', 'e2'])
  })

  it('breaks ties on id so the order is stable', () => {
    expect(ids('channel', 'asc')).toEqual(['e3', 'e2', 'e1', 'e4', 'e5'])
  })

  it('orders the roster online first, then by open engagements', () => {
    const r = sortRoster([
      agent('z', { online: false, openEngagements: 5 }), agent('b', { openEngagements: 1 }), agent('a', { openEngagements: 3 }),
    ])
    expect(r.map((a) => a.id)).toEqual(['a', 'b', 'z'])
  })

  it('lists agents who are online or hold open engagements, and other roles only while they hold one', () => {
    const r = rosterAgents([
      agent('sup', { role: 'supervisor', displayName: 'Sam Supervisor', online: true, sessions: 1 }),
      agent('admin-busy', { role: 'admin', online: true, openEngagements: 1 }),
      agent('gone', { online: false, sessions: 0 }),
      agent('gone-busy', { online: false, sessions: 0, openEngagements: 2 }),
      agent('here', { online: true }),
    ])
    expect(r.map((a) => a.id)).toEqual(['admin-busy', 'here', 'gone-busy'])
    expect(isRosterAgent(agent('sup2', { role: 'supervisor', online: true, sessions: 3 }))).toBe(false)
  })
})

describe('virtualWindow', () => {
  it('renders the visible rows plus overscan, clamped to the list', () => {
    expect(virtualWindow(0, 300, 30, 500, 5)).toEqual({ start: 0, end: 16 })
    expect(virtualWindow(3000, 300, 30, 500, 5)).toEqual({ start: 95, end: 116 })
    expect(virtualWindow(14_900, 300, 30, 500, 5)).toEqual({ start: 491, end: 500 })
    expect(virtualWindow(0, 300, 30, 0)).toEqual({ start: 0, end: 0 })
    expect(virtualWindow(99_999, 300, 30, 3, 2)).toEqual({ start: 2, end: 3 })
  })
})
