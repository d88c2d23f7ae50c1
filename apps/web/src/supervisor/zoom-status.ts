/**
 * What Zoom reports, as the dashboard shows it: where a live engagement is known from (the agent
 * app, or Zoom alone: no app follows it), and each agent's Contact Center status beside whether
 * the app is open.
 */
import type { AgentView, ContactCenterStatus, EngagementView } from '@switchboard/protocol'
import { describeDuration } from './format.ts'

export interface SourceMark {
  /** Short text for the board. */
  label: string
  /** Longer text for the title and screen readers. */
  title: string
}

/**
 * The mark a board row carries: only when no agent app reports the engagement (Zoom's webhooks or
 * REST are the only source), the case a supervisor must know (whispers wait until the app opens).
 */
export function sourceMark(e: Pick<EngagementView, 'sources'>): SourceMark | null {
  const sources = e.sources ?? []
  if (sources.length === 0 || sources.includes('app')) return null
  return { label: 'Zoom only', title: 'Known from Zoom only: no agent app reports this engagement (whispers wait until the app is open)' }
}

/** "app, Zoom": every source of the row, for its title. */
export function sourcesText(e: Pick<EngagementView, 'sources'>): string {
  const names: string[] = []
  const s = e.sources ?? []
  if (s.includes('app')) names.push('the agent app')
  if (s.includes('webhook') || s.includes('rest')) names.push('Zoom')
  return names.join(' and ')
}

export type StatusTone = 'ready' | 'away' | 'busy' | 'off' | 'unknown'

export interface StatusText {
  label: string
  tone: StatusTone
  /** Spoken and title form, with how long. */
  title: string
}

const TONES: Record<string, StatusTone> = { 'ready': 'ready', 'not ready': 'away', 'occupied': 'busy', 'offline': 'off' }

/** An agent's Contact Center status for the roster, or null when Zoom reported none. */
export function contactCenterText(cc: ContactCenterStatus | null | undefined, now: number): StatusText | null {
  if (!cc) return null
  if (cc.status === null) {
    if (cc.loggedIn === null) return null
    return cc.loggedIn
      ? { label: 'Logged in', tone: 'unknown', title: 'Logged in to Contact Center (no status reported yet)' }
      : { label: 'Logged out', tone: 'off', title: 'Logged out of Contact Center' }
  }
  const label = cc.subStatus ? `${cc.status} · ${cc.subStatus}` : cc.status
  const since = cc.since === null ? '' : ` for ${describeDuration(now - cc.since)}`
  const out = cc.loggedIn === false ? ', logged out' : ''
  return { label, tone: TONES[cc.status.toLowerCase()] ?? 'unknown', title: `Contact Center: ${cc.subStatus ? `${cc.status} (${cc.subStatus})` : cc.status}${since}${out}` }
}

/** Signed in to Contact Center by Zoom's account: logged in, or a status other than Offline. */
export function inContactCenter(a: Pick<AgentView, 'contactCenter'>): boolean {
  const cc = a.contactCenter
  if (!cc) return false
  if (cc.loggedIn === false) return false
  return cc.loggedIn === true || (cc.status !== null && cc.status.toLowerCase() !== 'offline')
}
