/**
 * Alert evaluation: pure functions of an engagement, the account's thresholds and the (server) clock.
 * A threshold of 0 disables that alert.
 */
import type { AlertThresholds, EngagementView, HelpFlag } from '@switchboard/protocol'

export const ALERT_KINDS = ['help', 'handle', 'wrapup', 'inactive'] as const
export type AlertKind = (typeof ALERT_KINDS)[number]

export const ALERT_LABELS: Record<AlertKind, string> = {
  help: 'Help requested',
  handle: 'Long handle time',
  wrapup: 'Long wrap-up',
  inactive: 'Inactive too long',
}

/** Short forms for row badges (the full label is the badge's title and the panel's text). */
export const ALERT_SHORT: Record<AlertKind, string> = {
  help: 'Help',
  handle: 'Handle',
  wrapup: 'Wrap-up',
  inactive: 'Inactive',
}

export interface Alert {
  kind: AlertKind
  engagementId: string
  /** When the condition started (help raised, accepted, wrap-up began, went inactive). */
  since: number
  /** How far past the threshold (0 for help). */
  overMs: number
  help?: HelpFlag
}

/** Start of handling: accepted if known, else started. */
/** One alert per kind and engagement: its key in lists and sets. */
export function alertKey(a: Alert): string {
  return `${a.kind}:${a.engagementId}`
}

export function handleStart(e: EngagementView): number | null {
  return e.acceptedAt ?? e.startedAt
}

/** Handle time so far: final once wrap-up began (`handleMs`), else ticking from the start. */
export function handleTimeMs(e: EngagementView, now: number): number | null {
  if (e.handleMs !== null) return e.handleMs
  const start = handleStart(e)
  return start === null ? null : Math.max(0, now - start)
}

export function timeInStateMs(e: EngagementView, now: number): number | null {
  return e.stateSince === null ? null : Math.max(0, now - e.stateSince)
}

/** Every alert raised by one engagement, help first. */
export function evaluateAlerts(e: EngagementView, t: AlertThresholds, now: number): Alert[] {
  const out: Alert[] = []
  if (e.help) out.push({ kind: 'help', engagementId: e.id, since: e.help.at, overMs: 0, help: e.help })
  if (t.handleMs > 0 && (e.state === 'active' || e.state === 'inactive')) {
    const start = handleStart(e)
    if (start !== null && now - start > t.handleMs) {
      out.push({ kind: 'handle', engagementId: e.id, since: start, overMs: now - start - t.handleMs })
    }
  }
  if (t.wrapupMs > 0 && e.state === 'wrap-up') {
    const start = e.wrapupStartedAt ?? e.stateSince
    if (start !== null && now - start > t.wrapupMs) {
      out.push({ kind: 'wrapup', engagementId: e.id, since: start, overMs: now - start - t.wrapupMs })
    }
  }
  if (t.inactiveMs > 0 && e.state === 'inactive' && e.stateSince !== null && now - e.stateSince > t.inactiveMs) {
    out.push({ kind: 'inactive', engagementId: e.id, since: e.stateSince, overMs: now - e.stateSince - t.inactiveMs })
  }
  return out
}

/**
 * All alerts on the board, ordered for the alerts panel: help flags first (oldest raised first,
 * they have waited longest), then threshold alerts by how far over they are.
 */
export function collectAlerts(
  engagements: Iterable<EngagementView>, t: AlertThresholds, now: number,
): Alert[] {
  const help: Alert[] = []
  const rest: Alert[] = []
  for (const e of engagements) {
    for (const a of evaluateAlerts(e, t, now)) (a.kind === 'help' ? help : rest).push(a)
  }
  help.sort((a, b) => a.since - b.since)
  rest.sort((a, b) => b.overMs - a.overMs)
  return [...help, ...rest]
}

/** The row's highlight: the most pressing alert kind, or null. */
export function rowAlertLevel(alerts: readonly Alert[]): AlertKind | null {
  for (const k of ALERT_KINDS) if (alerts.some((a) => a.kind === k)) return k
  return null
}

/** The row's badges, most pressing first: help (from the flag itself), then the raised alerts. */
export function rowBadgeKinds(helpRaised: boolean, alerts: readonly Alert[] | undefined): AlertKind[] {
  return ALERT_KINDS.filter((k) => (k === 'help' ? helpRaised : alerts?.some((a) => a.kind === k) ?? false))
}
