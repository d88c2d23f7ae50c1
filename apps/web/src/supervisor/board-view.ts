/**
 * Filtering, sorting and option lists for the live board. Pure; the Svelte layer memoizes them
 * with `$derived` so they rerun only when the board, the filters or (for time-based sorts) the
 * ticker changes.
 */
import type { AgentView, EngagementView } from '@switchboard/protocol'
import { ALERT_KINDS, evaluateAlerts, handleTimeMs, rowAlertLevel } from './alerts.ts'
import { inContactCenter } from './zoom-status.ts'
import type { AlertThresholds } from '@switchboard/protocol'
import type { BoardFilters, SortDir, SortKey } from './url-state.ts'

export function consumerLabel(e: EngagementView): string {
  const c = e.consumers[0]
  if (!c) return ''
  return c.consumerDisplayName || c.consumerNumber || c.consumerEmail || c.consumerId || ''
}

export function agentLabel(e: EngagementView, agents: ReadonlyMap<string, AgentView>): string {
  return e.agentName || agents.get(e.agentId)?.displayName || e.agentId
}

export function queueLabel(e: EngagementView): string {
  return e.queueName || e.queueId || ''
}

/** The key a queue filter matches on: the id when known, else the name. */
export function queueKey(e: EngagementView): string {
  return e.queueId || e.queueName || ''
}

export function matchesFilters(e: EngagementView, f: BoardFilters): boolean {
  if (f.queue && queueKey(e) !== f.queue) return false
  if (f.agent && e.agentId !== f.agent) return false
  if (f.state && e.state !== f.state) return false
  if (f.channel && e.channel !== f.channel) return false
  return true
}

export interface Option { value: string; label: string }

/** Distinct filter options present on the board, sorted by label; the current value is kept. */
export function filterOptions(
  engagements: Iterable<EngagementView>, agents: ReadonlyMap<string, AgentView>, current: BoardFilters,
): { queues: Option[]; agents: Option[]; channels: Option[] } {
  const queues = new Map<string, string>()
  const agentOpts = new Map<string, string>()
  const channels = new Map<string, string>()
  for (const e of engagements) {
    const q = queueKey(e)
    if (q) queues.set(q, queueLabel(e))
    agentOpts.set(e.agentId, agentLabel(e, agents))
    if (e.channel) channels.set(e.channel, e.channel)
  }
  for (const a of agents.values()) {
    if (a.role === 'agent' && !agentOpts.has(a.id)) agentOpts.set(a.id, a.displayName || a.id)
  }
  if (current.queue && !queues.has(current.queue)) queues.set(current.queue, current.queue)
  if (current.agent && !agentOpts.has(current.agent)) agentOpts.set(current.agent, current.agent)
  if (current.channel && !channels.has(current.channel)) channels.set(current.channel, current.channel)
  const list = (m: Map<string, string>) =>
    [...m].map(([value, label]) => ({ value, label })).sort((a, b) => a.label.localeCompare(b.label))
  return { queues: list(queues), agents: list(agentOpts), channels: list(channels) }
}

const STATE_ORDER: Record<string, number> = { active: 0, inactive: 1, 'wrap-up': 2, end: 3 }

/** Whether sorting by this key depends on the clock (and must rerun on ticks). */
export function sortNeedsClock(key: SortKey): boolean {
  return key === 'alert' || key === 'handleTime'
}

/**
 * Sorted copy. Ties break on engagement id so the order is stable between ticks.
 * "alert" orders by the most pressing alert kind, then by handle time.
 */
export function sortEngagements(
  rows: readonly EngagementView[], key: SortKey, dir: SortDir,
  ctx: { agents: ReadonlyMap<string, AgentView>; thresholds: AlertThresholds; now: number },
): EngagementView[] {
  const sign = dir === 'asc' ? 1 : -1
  const textKey = (e: EngagementView): string => {
    switch (key) {
      case 'agent': return agentLabel(e, ctx.agents)
      case 'consumer': return consumerLabel(e)
      case 'channel': return e.channel ?? ''
      case 'queue': return queueLabel(e)
      default: return ''
    }
  }
  const numKey = (e: EngagementView): number => {
    switch (key) {
      case 'state': return STATE_ORDER[e.state ?? ''] ?? 9
      // Longest in state = earliest stateSince; "desc" shows the longest first.
      case 'timeInState': return e.stateSince === null ? -Number.MAX_SAFE_INTEGER : -e.stateSince
      case 'handleTime': return handleTimeMs(e, ctx.now) ?? -1
      case 'alert': {
        const level = rowAlertLevel(evaluateAlerts(e, ctx.thresholds, ctx.now))
        const rank = level === null ? 0 : ALERT_KINDS.length - ALERT_KINDS.indexOf(level)
        // Rank dominates; handle time (in seconds, capped) breaks ties within a rank.
        return rank * 1e9 + Math.min(handleTimeMs(e, ctx.now) ?? 0, 1e12) / 1000
      }
      default: return 0
    }
  }
  const isText = key === 'agent' || key === 'consumer' || key === 'channel' || key === 'queue'
  const keyed = rows.map((e) => ({ e, t: isText ? textKey(e) : '', n: isText ? 0 : numKey(e) }))
  keyed.sort((a, b) => {
    const c = isText ? a.t.localeCompare(b.t) : a.n - b.n
    if (c !== 0) return c * sign
    return a.e.id < b.e.id ? -1 : a.e.id > b.e.id ? 1 : 0
  })
  return keyed.map((k) => k.e)
}

/**
 * Who belongs on the roster: agents who are online or still hold open engagements. Other roles
 * (supervisors, admins) watch rather than handle, so they appear only while they hold an open
 * engagement themselves (someone covering a queue); an offline agent with nothing open has left.
 */
export function isRosterAgent(a: AgentView): boolean {
  if (a.openEngagements > 0) return true
  return a.role === 'agent' && (a.online || inContactCenter(a))
}

/** The roster: its members (`isRosterAgent`), sorted as `sortRoster`. */
export function rosterAgents(agents: Iterable<AgentView>): AgentView[] {
  return sortRoster([...agents].filter(isRosterAgent))
}

/** Agents for the roster: online first, then by most open engagements, then name. */
export function sortRoster(agents: Iterable<AgentView>): AgentView[] {
  return [...agents].sort((a, b) =>
    Number(b.online) - Number(a.online)
    || b.openEngagements - a.openEngagements
    || (a.displayName || a.id).localeCompare(b.displayName || b.id))
}

/**
 * The slice of rows to render for a scroll position (fixed row height), with overscan so fast
 * scrolling and arrow keys do not show blank space. `end` is exclusive.
 */
export function virtualWindow(
  scrollTop: number, viewportH: number, rowH: number, count: number, overscan = 8,
): { start: number; end: number } {
  if (count === 0) return { start: 0, end: 0 }
  const first = Math.floor(Math.max(0, scrollTop) / rowH)
  const visible = Math.ceil(Math.max(viewportH, rowH) / rowH) + 1
  const start = Math.max(0, Math.min(first - overscan, count - 1))
  const end = Math.min(count, first + visible + overscan)
  return { start, end: Math.max(end, start + 1) }
}
