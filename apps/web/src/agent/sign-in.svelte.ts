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
 *
 * When the session ends under a running app (it expired, or was signed out: the socket closes with
 * 4002), the app reloads once: Zoom signs the reloaded page in again (Home URL header, or
 * `getAppContext()`), and edits not yet sent wait in the device outbox meanwhile.
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
  /** Reloads the page (default `location.reload()`). */
  reload?: () => void
}

const RENEWED_KEY = 'switchboard.agent.sessionRenewedAt'
/** A second session end this soon after reloading for one is not retried by itself (no loop). */
const RENEW_GUARD_MS = 60_000

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
  /** The running app's session ended: only a reload signs in again (the connection is closed). */
  #ended = false

  constructor(deps: SignInFlowDeps) {
    this.#deps = deps
  }

  /** Signs in (again, after an error). */
  async signIn(): Promise<void> {
    if (this.#ended) {
      this.#reload()
      return
    }
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

  /** The socket closed because the session ended (4002): sign in again through a reload. */
  sessionEnded(): void {
    this.#ended = true
    let last = 0
    try { last = Number(sessionStorage.getItem(RENEWED_KEY) ?? 0) } catch { /* storage blocked */ }
    if (Date.now() - last < RENEW_GUARD_MS) {
      this.message = 'Your Switchboard session ended. Try again, or close and reopen Switchboard in Zoom.'
      this.phase = 'error'
      return
    }
    this.#reload()
  }

  #reload(): void {
    try { sessionStorage.setItem(RENEWED_KEY, String(Date.now())) } catch { /* storage blocked */ }
    this.message = null
    this.phase = 'signing-in'
    ;(this.#deps.reload ?? (() => location.reload()))()
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
