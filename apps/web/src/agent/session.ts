/**
 * Getting a server session for the agent page, and fresh WebSocket tokens.
 *
 * - Zoom: the Home URL request usually set the session cookie already. When it did not (or it
 *   expired), the page posts a fresh `getAppContext()` token to `POST /api/session`.
 * - Emulator: the emulator signed in with dev sign-in before it loaded this page.
 */
import type { MeResponse, SessionResponse } from '@switchboard/protocol/rest'
import { ApiError, getJson, postJson } from '../lib/api.ts'

export interface AgentSession {
  user: SessionResponse['user']
  devSignIn: boolean
  wsToken: string | null
}

type SessionReply = MeResponse & { wsToken?: string }

export interface SessionDeps {
  /** Zoom's encrypted app context; absent in the emulator. */
  getAppContext?: () => Promise<string>
}

export async function ensureSession(deps: SessionDeps): Promise<AgentSession> {
  try {
    const me = await getJson<SessionReply>('/api/session')
    return { user: me.user, devSignIn: me.devSignIn, wsToken: me.wsToken ?? null }
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401 || !deps.getAppContext) throw error
  }
  const context = await deps.getAppContext()
  const s = await postJson<SessionResponse>('/api/session', { context })
  return { user: s.user, devSignIn: false, wsToken: s.wsToken }
}

/**
 * A `getToken` for the sync client: a fresh short-lived token before every connection attempt,
 * signing in again through Zoom when the session has expired. When the server cannot be asked
 * (offline), it falls back to the cookie (null) so the attempt still happens.
 */
export function tokenSource(first: string | null, deps: SessionDeps): () => Promise<string | null> {
  let next = first
  return async () => {
    if (next) {
      const t = next
      next = null
      return t
    }
    try {
      return (await ensureSession(deps)).wsToken
    } catch {
      return null
    }
  }
}

/** What to tell the agent when signing in failed. */
export function sessionErrorMessage(error: unknown, inZoom: boolean): string {
  if (error instanceof ApiError) {
    if (error.code === 'NETWORK') return 'Switchboard cannot reach its server. Check the network connection, then reload the app.'
    if (error.status === 401) {
      return inZoom
        ? 'Zoom could not confirm who you are. Close and reopen the app in Zoom.'
        : 'You are not signed in. Open the app from the Zoom client emulator and sign in there.'
    }
    if (error.status === 403) return 'Your account is not allowed to use Switchboard. Ask your administrator.'
    return `${error.message} (${error.code})`
  }
  return error instanceof Error ? error.message : 'Signing in failed.'
}
