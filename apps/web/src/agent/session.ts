/**
 * Getting a server session for the agent page, connecting the Zoom account, and fresh WebSocket
 * tokens. The same code runs in Zoom and in the emulator (which answers the SDK the same way):
 *
 * - Sign-in: the Home URL request usually set the session cookie already (`GET /api/session`).
 *   When it did not (or it expired), the page posts a fresh `getAppContext()` token to
 *   `POST /api/session`.
 * - A Zoom user whose account is not bound yet (multi-tenant deployment) gets 403
 *   ACCOUNT_NOT_CONNECTED and connects through in-client OAuth: `POST /api/oauth/start` (PKCE
 *   challenge and state), `zoomSdk.authorize`, the `onAuthorized` event, `POST /api/oauth/complete`.
 */
import type { ClientConfig, MeResponse, OAuthCompleteResponse, OAuthStartResponse, SessionResponse } from '@switchboard/protocol/rest'
import { ApiError, getJson, postJson } from '../lib/api.ts'
import { ZoomError } from './zoom/errors.ts'
import type { ZoomAdapterEvents } from './zoom/types.ts'

export interface AgentSession {
  user: SessionResponse['user']
  devSignIn: boolean
  wsToken: string | null
}

export interface SessionDeps {
  /** Zoom's encrypted app context (`getAppContext()`). */
  getAppContext: () => Promise<string>
}

/** The SDK pieces in-client OAuth takes (the Zoom adapter has them). */
export interface AuthorizeDeps {
  authorize(options: { codeChallenge: string; state?: string }): Promise<void>
  on(name: 'authorized', fn: (event: ZoomAdapterEvents['authorized']) => void): () => void
}

/** Thrown when the user declined in Zoom's consent screen, or Zoom never answered. */
export class ConnectError extends Error {
  readonly reason: 'declined' | 'timeout'
  constructor(reason: 'declined' | 'timeout') {
    super(reason === 'declined' ? 'The Zoom authorization was declined.' : 'Zoom did not answer the authorization.')
    this.name = 'ConnectError'
    this.reason = reason
  }
}

export const isNotConnected = (error: unknown): boolean => error instanceof ApiError && error.code === 'ACCOUNT_NOT_CONNECTED'

const CONFIG_KEY = 'switchboard.clientConfig'

/**
 * What the server asks of the app before it talks to Zoom (`GET /api/client-config`): whether to
 * request `authorize`/`onAuthorized`. Offline, the last answer seen on this device.
 */
export async function loadClientConfig(): Promise<ClientConfig> {
  try {
    const cfg = await getJson<ClientConfig>('/api/client-config')
    try { localStorage.setItem(CONFIG_KEY, JSON.stringify(cfg)) } catch { /* private mode */ }
    return cfg
  } catch {
    try {
      const cached = JSON.parse(localStorage.getItem(CONFIG_KEY) ?? 'null') as ClientConfig | null
      if (cached && typeof cached.oauth === 'boolean') return cached
    } catch { /* nothing usable */ }
    return { devSignIn: false, oauth: false, tenancy: 'single' }
  }
}

/** The current session, signing in with a fresh app context when there is none. */
export async function ensureSession(deps: SessionDeps): Promise<AgentSession> {
  try {
    const me = await getJson<MeResponse>('/api/session')
    return { user: me.user, devSignIn: me.devSignIn, wsToken: me.wsToken }
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error
  }
  const context = await deps.getAppContext()
  const s = await postJson<SessionResponse>('/api/session', { context })
  return { user: s.user, devSignIn: false, wsToken: s.wsToken }
}

/** How long Zoom's consent screen may stay open before the app gives up waiting. */
export const AUTHORIZE_TIMEOUT_MS = 5 * 60_000

/**
 * In-client OAuth: the server's PKCE challenge and state go to `authorize`; the code Zoom sends
 * back in `onAuthorized` (for this state) completes it on the server, which answers the session
 * now bound to the user's Zoom account.
 */
export async function connectZoomAccount(zoom: AuthorizeDeps, timeoutMs = AUTHORIZE_TIMEOUT_MS): Promise<AgentSession> {
  const { codeChallenge, state } = await postJson<OAuthStartResponse>('/api/oauth/start', {})
  let off: () => void = () => {}
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    const event = await new Promise<ZoomAdapterEvents['authorized']>((resolve, reject) => {
      off = zoom.on('authorized', (e) => { if (e.state === state) resolve(e) })
      timer = setTimeout(() => reject(new ConnectError('timeout')), timeoutMs)
      zoom.authorize({ codeChallenge, state }).catch(reject)
    })
    if (event.result !== true || typeof event.code !== 'string' || event.code === '') throw new ConnectError('declined')
    const redirectUri = typeof event.redirectUri === 'string' && event.redirectUri !== '' ? event.redirectUri : `${location.origin}/`
    const s = await postJson<OAuthCompleteResponse>('/api/oauth/complete', { code: event.code, state, redirectUri })
    return { user: s.user, devSignIn: false, wsToken: s.wsToken }
  } finally {
    off()
    clearTimeout(timer)
  }
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
export function sessionErrorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'NETWORK') return 'Switchboard cannot reach its server. Check the network connection, then try again.'
    if (error.code === 'APP_CONTEXT_EXPIRED') return 'Zoom\'s sign-in for this app has expired. Try again, or close and reopen Switchboard in Zoom.'
    if (error.status === 401) return 'Zoom could not confirm who you are. Try again, or close and reopen Switchboard in Zoom.'
    if (error.status === 429) return 'Too many sign-in attempts. Wait a minute, then try again.'
    if (error.status === 403) return 'Your account is not allowed to use Switchboard. Ask your administrator.'
    return `${error.message} (${error.code})`
  }
  if (error instanceof ZoomError) return `Zoom could not give Switchboard your sign-in: ${error.message}`
  return error instanceof Error ? error.message : 'Signing in failed.'
}

/** What to tell the agent when connecting the Zoom account failed, with what to do next. */
export function connectErrorMessage(error: unknown): string {
  if (error instanceof ConnectError) {
    return error.reason === 'declined'
      ? 'Zoom did not authorize Switchboard. Connect again when you are ready.'
      : 'Zoom did not finish the authorization. Try again.'
  }
  if (error instanceof ApiError) {
    switch (error.code) {
      case 'NETWORK': return 'Switchboard cannot reach its server. Check the network connection, then try again.'
      case 'OAUTH_STATE_INVALID': return 'That authorization took too long and expired. Try again.'
      case 'OAUTH_EXCHANGE_FAILED': return 'Zoom refused the authorization. Try again; if it keeps failing, ask your administrator to check the app in the Zoom Marketplace.'
      case 'FORBIDDEN': return `${error.message} Ask your administrator.`
      case 'OAUTH_DISABLED': return 'This Switchboard server does not run Zoom authorization. Ask your administrator.'
      case 'UNAUTHENTICATED':
      case 'SESSION_EXPIRED': return 'Your Switchboard sign-in ended. Close and reopen Switchboard in Zoom.'
      default: return `${error.message} (${error.code})`
    }
  }
  if (error instanceof ZoomError) return `Zoom could not start the authorization: ${error.message}`
  return error instanceof Error ? error.message : 'Connecting the Zoom account failed.'
}
