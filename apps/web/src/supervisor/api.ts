/**
 * The dashboard's REST calls (session, dev sign-in, thresholds, history). Errors are `ApiError`s
 * with the server's stable code, so the UI can say what to do next.
 */
import type {
  AlertThresholds, DevSignInRequest, EngagementPage, MeResponse, SessionResponse,
} from '@switchboard/protocol'
import { ApiError, getJson, postJson } from '../lib/api.ts'
import type { HistoryFilters } from './url-state.ts'

export { ApiError }

export function fetchSession(): Promise<MeResponse> {
  return getJson<MeResponse>('/api/session')
}


export function devSignIn(body: DevSignInRequest): Promise<SessionResponse> {
  return postJson<SessionResponse>('/api/dev/sign-in', body)
}

export function fetchThresholds(): Promise<AlertThresholds> {
  return getJson<AlertThresholds>('/api/settings/thresholds')
}

export async function saveThresholds(t: AlertThresholds): Promise<AlertThresholds> {
  return getJson<AlertThresholds>('/api/settings/thresholds', {
    method: 'PUT',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(t),
  })
}

function dayStart(date: string): number | null {
  const [y, m, d] = date.split('-').map(Number)
  if (!y || !m || !d) return null
  return new Date(y, m - 1, d).getTime()
}

/**
 * Query parameters for the closed-engagement list and its CSV export. Dates are local calendar
 * days, inclusive: `to` becomes the last millisecond of that day.
 */
export function historyParams(f: HistoryFilters): URLSearchParams {
  const p = new URLSearchParams({ state: 'closed' })
  if (f.q) p.set('q', f.q)
  if (f.agent) p.set('agentId', f.agent)
  if (f.queue) p.set('queueId', f.queue)
  const from = f.from ? dayStart(f.from) : null
  if (from !== null) p.set('from', String(from))
  const to = f.to ? dayStart(f.to) : null
  if (to !== null) p.set('to', String(to + 86_400_000 - 1))
  return p
}

export const EXPORT_PATH = '/api/engagements/export.csv'

export function exportHref(f: HistoryFilters): string {
  return `${EXPORT_PATH}?${historyParams(f).toString()}`
}

export function listEngagements(params: URLSearchParams, cursor?: string | null, limit = 50): Promise<EngagementPage> {
  const p = new URLSearchParams(params)
  p.set('limit', String(limit))
  if (cursor) p.set('cursor', cursor)
  return getJson<EngagementPage>(`/api/engagements?${p.toString()}`)
}

/** What to tell a person for an error code. */
export function explain(err: unknown): string {
  if (!(err instanceof ApiError)) return 'Something went wrong. Try again.'
  switch (err.code) {
    case 'NETWORK': return 'The server could not be reached. Check your connection and try again.'
    case 'UNAUTHENTICATED':
    case 'SESSION_EXPIRED': return 'Your session has ended. Sign in again.'
    case 'FORBIDDEN': return 'Only supervisors can do this.'
    case 'VALIDATION_FAILED': return `The request was not accepted: ${err.message}`
    case 'UNAVAILABLE':
    case 'NOT_READY': return 'The server is busy or restarting. Try again in a moment.'
    case 'ROUTE_NOT_FOUND': return 'This server does not offer that yet (it may be an older version). Reload the page or ask an operator.'
    default:
      if (err.code.startsWith('HTTP_')) return `The server answered ${err.status}. Try again in a moment; if it keeps happening, reload the page.`
      return err.message || 'Something went wrong. Try again.'
  }
}
