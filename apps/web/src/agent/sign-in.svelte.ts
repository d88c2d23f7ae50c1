/**
 * The agent app's start, one clear state at a time:
 *
 *   loading → signing-in → ready
 *                        ↘ connect → authorizing → ready   (a Zoom account still to connect)
 *                        ↘ error (with Try again)
 *
 * `loading` reads the client configuration (whether to ask Zoom for `authorize`), `signing-in`
 * gets the session (Home URL cookie, else `getAppContext()`), `connect` offers in-client OAuth when
 * the server answers ACCOUNT_NOT_CONNECTED, `authorizing` waits for Zoom's consent. Offline with a
 * user this device signed in before, the app goes `ready` at once (edits queue on the device and
 * the connection signs in when the network is back).
 */
import type { SessionUser } from '@switchboard/protocol'
import { ApiError } from '../lib/api.ts'
import {
  connectErrorMessage, connectZoomAccount, ensureSession, isNotConnected, sessionErrorMessage,
  type AgentSession, type AuthorizeDeps, type SessionDeps,
} from './session.ts'

export type SignInPhase = 'loading' | 'signing-in' | 'connect' | 'authorizing' | 'ready' | 'error'

export interface SignInFlowDeps {
  session: SessionDeps
  zoom: AuthorizeDeps
  /** Starts the connection for this session (called once, when the flow first reaches `ready`). */
  onSignedIn(session: AgentSession): Promise<void>
}

const LAST_USER_KEY = 'switchboard.agent.lastUser'

function rememberUser(user: SessionUser): void {
  try { localStorage.setItem(LAST_USER_KEY, JSON.stringify(user)) } catch { /* private mode */ }
}

function lastUser(): SessionUser | null {
  try {
    const u = JSON.parse(localStorage.getItem(LAST_USER_KEY) ?? 'null') as SessionUser | null
    return u && typeof u.id === 'string' && typeof u.accountId === 'string' ? u : null
  } catch {
    return null
  }
}

export class SignInFlow {
  phase = $state<SignInPhase>('loading')
  /** The sign-in problem (`error`), or why connecting failed (shown in `connect`). */
  message = $state<string | null>(null)
  readonly #deps: SignInFlowDeps
  #started = false

  constructor(deps: SignInFlowDeps) {
    this.#deps = deps
  }

  /** Signs in (again, after an error). */
  async signIn(): Promise<void> {
    this.phase = 'signing-in'
    this.message = null
    let session: AgentSession
    try {
      session = await ensureSession(this.#deps.session)
    } catch (error) {
      if (isNotConnected(error)) {
        this.phase = 'connect'
        return
      }
      const offlineUser = error instanceof ApiError && error.code === 'NETWORK' ? lastUser() : null
      if (offlineUser) {
        await this.#ready({ user: offlineUser, devSignIn: false, wsToken: null })
        return
      }
      this.message = sessionErrorMessage(error)
      this.phase = 'error'
      return
    }
    await this.#ready(session)
  }

  /** "Connect Switchboard to your Zoom account": in-client OAuth, then the bound session. */
  async connect(): Promise<void> {
    if (this.phase === 'authorizing') return
    this.phase = 'authorizing'
    this.message = null
    try {
      await this.#ready(await connectZoomAccount(this.#deps.zoom))
    } catch (error) {
      this.message = connectErrorMessage(error)
      this.phase = 'connect'
    }
  }

  async #ready(session: AgentSession): Promise<void> {
    rememberUser(session.user)
    if (!this.#started) {
      this.#started = true
      try {
        await this.#deps.onSignedIn(session)
      } catch (error) {
        this.#started = false
        this.message = sessionErrorMessage(error)
        this.phase = 'error'
        return
      }
    }
    this.phase = 'ready'
  }
}
