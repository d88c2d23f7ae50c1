/**
 * The emulator's controller: one Zoom model, one bridge to the hosted agent page, the emulated
 * client's signed-in Zoom user (zoom-identity.ts). The Svelte UI and the window API
 * (window-api.ts) both drive this object, so a test and a person clicking take the same path.
 */
import type { SessionUser } from '@switchboard/protocol'
import { ApiError, getJson } from '../lib/api.ts'
import { ZoomBridge, type BridgeLogEntry, type ScriptedReply } from './bridge.ts'
import { ZoomWebhookSender } from './webhook-sender.ts'
import { rememberedUser, ZoomIdentity, type SignInPath } from './zoom-identity.ts'
import {
  ZoomModel, type ClientSettings, type CreateEngagementOptions, type EmulatedEngagement, type StatusChanges,
} from './zoom-model.ts'

export interface SignInOptions {
  accountId: string
  userId: string
  displayName?: string
  /**
   * Already connected to Switchboard (default true): the user is placed in the account the way dev
   * sign-in does. False: a first-time user of a multi-tenant deployment, who connects through
   * in-client OAuth (`authorize`, a consent click here, `onAuthorized`).
   */
  connected?: boolean
  /** How the app signs in from now on: the Home URL header (default) or `getAppContext()`. */
  via?: SignInPath
}

export interface EmulatorOptions {
  /** Path of the hosted agent page (default `/`, the Zoom Home URL). */
  appUrl?: string
  /** How long a loaded page may take to call `config` before the page says so (ms). */
  configWaitMs?: number
}

/**
 * Where the hosted app is: its page is loading; the page did not load (the browser's error page:
 * offline, or the server unreachable); it loaded but has not called `config` (yet, or for
 * `configWaitMs`: `silent`); it configured the SDK.
 */
export type AppStatus = 'loading' | 'failed' | 'waiting' | 'silent' | 'configured'

export class Emulator {
  readonly model = new ZoomModel()
  readonly bridge: ZoomBridge
  /** The webhooks Zoom would send the server about what happens here (webhook-sender.ts). */
  readonly webhooks = new ZoomWebhookSender(() => this.model.agent)
  readonly appUrl: string
  /** The server session shared with the framed app (null: not signed in or unknown). */
  user: SessionUser | null = null
  /** The session exists but the Zoom user's account is not bound yet (multi tenant). */
  notConnected = false
  readonly identity: ZoomIdentity
  appStatus: AppStatus = 'loading'
  readonly #configWaitMs: number
  #silentTimer: ReturnType<typeof setTimeout> | undefined
  #frame: HTMLIFrameElement | null = null
  #listeners = new Set<() => void>()

  constructor(options: EmulatorOptions = {}) {
    this.appUrl = options.appUrl ?? '/'
    this.#configWaitMs = options.configWaitMs ?? 5000
    const remembered = rememberedUser()
    if (remembered) this.model.agent = remembered
    this.identity = new ZoomIdentity({
      user: () => this.model.agent,
      emit: (name, data) => this.bridge.emitRaw(name, data),
      changed: () => this.#changed(),
    })
    this.bridge = new ZoomBridge({
      model: this.model,
      target: () => this.#frame?.contentWindow ?? null,
      answer: (apiName, data) => this.identity.answer(apiName, data),
    })
    this.bridge.onLog((entry) => {
      if (entry.kind === 'response' && entry.name === 'config') {
        this.#setAppStatus('configured')
        void this.loadSession()
      }
      // The app completes OAuth right after onAuthorized: show the session it ends up with.
      if (entry.kind === 'event' && entry.name === 'onAuthorized') setTimeout(() => void this.loadSession(), 1500)
      this.#changed()
    })
  }

  /** Hosts the agent page in `frame` and starts answering its SDK calls. */
  mount(frame: HTMLIFrameElement): () => void {
    this.#frame = frame
    const onLoad = (): void => this.#onFrameLoad(frame)
    frame.addEventListener('load', onLoad)
    this.bridge.start()
    this.reloadApp()
    return () => {
      frame.removeEventListener('load', onLoad)
      clearTimeout(this.#silentTimer)
      this.bridge.stop()
      this.#frame = null
    }
  }

  /**
   * Reloads the agent page, which then launches again (config, context, status...). On the Home
   * URL path the page is requested with the encrypted app context header first, as Zoom does.
   */
  reloadApp(): void {
    const frame = this.#frame
    if (!frame) return
    this.bridge.resetConfigured()
    this.#setAppStatus('loading')
    const seq = ++this.#loadSeq
    if (this.identity.path !== 'home-url') {
      frame.src = this.appUrl
      return
    }
    // One Home URL request at a time, so an older one never sets the cookie after a newer one;
    // a reload asked for meanwhile loads once, with the newest context.
    this.#loads = this.#loads.then(async () => {
      if (seq !== this.#loadSeq) return
      await this.identity.homeUrlRequest(this.appUrl)
      if (seq === this.#loadSeq && this.#frame === frame) frame.src = this.appUrl
    })
  }

  #loads: Promise<void> = Promise.resolve()
  #loadSeq = 0

  /** The client the app runs in (version, running context, unsupported APIs), from the next load. */
  configureClient(settings: Partial<ClientSettings>): void {
    this.model.configure(settings)
    this.#changed()
  }

  /** Resolves once the hosted app has configured the SDK (after the latest (re)load). */
  get ready(): Promise<void> {
    return this.bridge.whenConfigured()
  }

  /**
   * Signs the emulated Zoom client in as this user, as switching users in Zoom does: the
   * Switchboard session in this browser is signed out, and the app is loaded again with a new
   * encrypted app context (Home URL header, or `getAppContext()` when `via` is `app-context`).
   * Rejects with the server's ApiError (e.g. DEV_SIGNIN_DISABLED outside dev mode).
   */
  async signIn(options: SignInOptions): Promise<void> {
    const displayName = options.displayName?.trim() || options.userId
    const user = { accountId: options.accountId, userId: options.userId, displayName }
    this.model.agent = user
    for (const e of this.model.engagements.values()) {
      e.status.assignedAgentId = options.userId
      e.status.assignedAgentName = displayName
    }
    this.identity.signInAs(user, { connected: options.connected ?? true, ...(options.via ? { path: options.via } : {}) })
    // Switching users closes the app first (as Zoom does), so the running one cannot sign itself
    // in again in between; any Home URL request still in flight finishes before the sign-out.
    ++this.#loadSeq
    if (this.#frame) this.#frame.src = 'about:blank'
    await this.#loads
    const out = await fetch('/api/session', { method: 'DELETE', credentials: 'same-origin' })
    if (!out.ok) throw new ApiError(out.status, `HTTP_${out.status}`, 'Signing the previous session out failed.')
    // Applies the binding (`connected`) now, and outside dev mode fails here (DEV_SIGNIN_DISABLED)
    // rather than loading an app that cannot sign in.
    await this.identity.appContext()
    this.user = null
    this.notConnected = false
    this.reloadApp()
    this.#changed()
  }

  /** Allows or denies the pending `authorize()` (Zoom's consent screen). */
  consent(allow: boolean): Promise<void> {
    return this.identity.decide(allow)
  }

  /** Reads the current session (if any) so the page can say who the framed app runs as. */
  async loadSession(): Promise<SessionUser | null> {
    this.notConnected = false
    try {
      const res = await getJson<{ user?: SessionUser }>('/api/session')
      this.user = res.user ?? null
    } catch (error) {
      this.user = null
      this.notConnected = error instanceof ApiError && error.code === 'ACCOUNT_NOT_CONNECTED'
    }
    this.#changed()
    return this.user
  }

  createEngagement(options: CreateEngagementOptions = {}): string {
    const { id, events } = this.model.createEngagement(options)
    this.bridge.emit(events)
    const created = this.model.engagements.get(id)
    if (created) this.webhooks.created(structuredClone(created))
    this.#changed()
    return id
  }

  focus(engagementId: string): void {
    this.bridge.emit(this.model.focus(engagementId))
    this.#changed()
  }

  setStatus(engagementId: string, changes: StatusChanges): void {
    const before = this.model.engagements.get(engagementId)
    const copy = before ? structuredClone(before) : undefined
    this.bridge.emit(this.model.setStatus(engagementId, changes))
    const after = this.model.engagements.get(engagementId)
    if (copy && after) this.webhooks.changed(copy, structuredClone(after))
    this.#changed()
  }

  setVariables(engagementId: string, values: Record<string, string | number | boolean | null>): void {
    this.bridge.emit(this.model.setVariables(engagementId, values))
    this.#changed()
  }

  scriptNext(apiName: string, reply: ScriptedReply): void {
    this.bridge.scriptNext(apiName, reply)
  }

  emitRaw(name: string, data: unknown): void {
    this.bridge.emitRaw(name, data)
  }

  engagements(): EmulatedEngagement[] {
    return structuredClone(this.model.list())
  }

  log(): BridgeLogEntry[] {
    return structuredClone(this.bridge.log)
  }

  /** Notified after any change (model, sign-in or bridge traffic). */
  subscribe(fn: () => void): () => void {
    this.#listeners.add(fn)
    return () => { this.#listeners.delete(fn) }
  }

  #onFrameLoad(frame: HTMLIFrameElement): void {
    let href: string | null
    try {
      // The browser's own error page (offline, refused) is not of this origin: no document here.
      href = frame.contentDocument ? frame.contentWindow?.location.href ?? null : null
    } catch {
      href = null
    }
    if (href === 'about:blank') return
    if (href === null) {
      this.#setAppStatus('failed')
      return
    }
    if (this.appStatus === 'configured') return
    this.#setAppStatus('waiting')
    this.#silentTimer = setTimeout(() => {
      if (this.appStatus === 'waiting') this.#setAppStatus('silent')
    }, this.#configWaitMs)
  }

  #setAppStatus(status: AppStatus): void {
    clearTimeout(this.#silentTimer)
    if (this.appStatus === status) return
    this.appStatus = status
    this.#changed()
  }

  #changed(): void {
    for (const fn of this.#listeners) fn()
  }
}
