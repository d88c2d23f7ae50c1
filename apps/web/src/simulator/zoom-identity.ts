/**
 * The emulated Zoom client's signed-in user, and what the real client does with that user that
 * takes Zoom's secrets: the encrypted app context (sent with the Home URL request as
 * `x-zoom-app-context`, and returned by `getAppContext()`), and in-client OAuth (`authorize()`,
 * the consent screen, then `onAuthorized` with a code). In dev mode the server makes both with a
 * development client secret (`POST /api/dev/zoom/app-context`, `POST /api/dev/zoom/authorize`),
 * and its Zoom stand-in exchanges the code, so the agent app signs in exactly as in production.
 *
 * Like the Zoom client, the emulator remembers its user across page loads (localStorage) and a
 * user's consent: after the first Allow, `authorize()` completes without asking (Zoom's
 * "non-interactive" flow when the scopes are already granted).
 */
import type { OnAuthorizedEvent } from '@zoom/appssdk'
import { postJson } from '../lib/api.ts'
import type { AgentIdentity, ModelReply } from './zoom-model.ts'

/** How the app gets its session: the Home URL header (Zoom's usual way) or `getAppContext()`. */
export type SignInPath = 'home-url' | 'app-context'

export interface ConsentRequest {
  user: AgentIdentity
  codeChallenge: string
  state?: string
}

export const APP_CONTEXT_HEADER = 'x-zoom-app-context'
const STORAGE_KEY = 'switchboard.emulator.zoomUser'

export function rememberedUser(): AgentIdentity | null {
  try {
    const v = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as AgentIdentity | null
    return v && typeof v.accountId === 'string' && typeof v.userId === 'string' && typeof v.displayName === 'string' ? v : null
  } catch {
    return null
  }
}

function remember(user: AgentIdentity): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(user))
  } catch {
    // private mode: the emulator just forgets its user on reload
  }
}

export interface ZoomIdentityOptions {
  /** The emulated client's user (the model's agent). */
  user: () => AgentIdentity
  /** Posts an event to the app (the bridge). */
  emit: (name: 'onAuthorized', data: OnAuthorizedEvent) => void
  /** Something the page shows changed. */
  changed: () => void
  /** The OAuth redirect URL of the Marketplace app (default: this origin's `/`). */
  redirectUri?: string
}

export class ZoomIdentity {
  path: SignInPath = 'home-url'
  /** An `authorize()` waiting for the person at the emulator to allow or deny it. */
  pending: ConsentRequest | null = null
  /** The last failure talking to the server (shown on the page). */
  problem: string | null = null
  readonly #o: ZoomIdentityOptions
  readonly #consented = new Set<string>()
  /** Binding to apply with the next context: set on sign-in, sent once. */
  #connect: boolean | undefined

  constructor(o: ZoomIdentityOptions) {
    this.#o = o
  }

  /** Signs the emulated client in as `user`; `connected` false starts them unbound (they connect via OAuth). */
  signInAs(user: AgentIdentity, options: { connected: boolean; path?: SignInPath }): void {
    remember(user)
    this.#connect = options.connected
    if (options.path) this.path = options.path
    this.pending = null
    this.#o.changed()
  }

  /** A fresh encrypted app context for the current user, as Zoom makes one per request. */
  async appContext(): Promise<string> {
    const u = this.#o.user()
    const body: Record<string, unknown> = { accountId: u.accountId, userId: u.userId, displayName: u.displayName }
    if (this.#connect !== undefined) body['connected'] = this.#connect
    const res = await postJson<{ context: string }>('/api/dev/zoom/app-context', body)
    this.#connect = undefined
    return res.context
  }

  /**
   * The Home URL request the Zoom client makes, with the encrypted context header. An iframe cannot
   * send headers, so the emulator makes that request itself (the server checks the header and sets
   * the session cookie on the answer) and the frame then loads the page with that cookie.
   */
  async homeUrlRequest(appUrl: string): Promise<void> {
    this.problem = null
    try {
      const context = await this.appContext()
      const res = await fetch(appUrl, { headers: { [APP_CONTEXT_HEADER]: context, accept: 'text/html' }, credentials: 'same-origin', cache: 'no-store' })
      await res.arrayBuffer()
      if (!res.ok) this.problem = `The Home URL request with the app context answered ${res.status}.`
    } catch (error) {
      this.problem = `The emulator could not make the Home URL request: ${error instanceof Error ? error.message : String(error)}`
    }
    this.#o.changed()
  }

  /** Answers the bridge's `getAppContext` and `authorize`; undefined for every other API. */
  answer(apiName: string, data: unknown): Promise<ModelReply> | undefined {
    if (apiName === 'getAppContext') {
      return this.appContext().then(
        (context) => ({ result: { context } }),
        (error: unknown) => ({
          errorCode: 10001, errorMessage: 'The Zoom client could not get the app context.',
          note: `The emulator could not get an app context from the server: ${error instanceof Error ? error.message : String(error)}`,
        }),
      )
    }
    if (apiName === 'authorize') return Promise.resolve(this.#authorize(data))
    return undefined
  }

  #authorize(data: unknown): ModelReply {
    const d = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {}
    if (typeof d['codeChallenge'] !== 'string' || d['codeChallenge'] === '') {
      // The SDK refuses this before posting; a raw call gets the client's generic error.
      return { errorCode: 10001, errorMessage: 'codeChallenge is required', note: 'authorize without a codeChallenge.' }
    }
    const user = this.#o.user()
    this.pending = { user, codeChallenge: d['codeChallenge'], ...(typeof d['state'] === 'string' ? { state: d['state'] } : {}) }
    // Scopes already granted by this user: Zoom completes without showing the consent screen.
    if (this.#consented.has(`${user.accountId}\u0000${user.userId}`)) void this.decide(true)
    this.#o.changed()
    return { result: 'success' }
  }

  /** The person at the emulator allows or denies the pending `authorize()`. */
  async decide(allow: boolean): Promise<void> {
    const p = this.pending
    if (!p) return
    this.pending = null
    this.#o.changed()
    const redirectUri = this.#o.redirectUri ?? `${location.origin}/`
    const timestamp = Math.floor(Date.now() / 1000)
    const base = { redirectUri, timestamp, ...(p.state !== undefined ? { state: p.state } : {}) }
    if (!allow) {
      this.#o.emit('onAuthorized', { ...base, code: '', result: false })
      return
    }
    try {
      const { code } = await postJson<{ code: string }>('/api/dev/zoom/authorize', {
        accountId: p.user.accountId, userId: p.user.userId, displayName: p.user.displayName, codeChallenge: p.codeChallenge, redirectUri,
      })
      this.#consented.add(`${p.user.accountId}\u0000${p.user.userId}`)
      this.#o.emit('onAuthorized', { ...base, code, result: true })
    } catch (error) {
      this.problem = `The emulator could not get an authorization code: ${error instanceof Error ? error.message : String(error)}`
      this.#o.emit('onAuthorized', { ...base, code: '', result: false })
      this.#o.changed()
    }
  }
}
