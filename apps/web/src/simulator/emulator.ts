/**
 * The emulator's controller: one Zoom model, one bridge to the hosted agent page, dev sign-in.
 * The Svelte UI and the window API (window-api.ts) both drive this object, so a test and a person
 * clicking take the same path.
 */
import type { SessionUser } from '@switchboard/protocol'
import { getJson, postJson } from '../lib/api.ts'
import { ZoomBridge, type BridgeLogEntry, type ScriptedReply } from './bridge.ts'
import { ZoomWebhookSender } from './webhook-sender.ts'
import {
  ZoomModel, type ClientSettings, type CreateEngagementOptions, type EmulatedEngagement, type StatusChanges,
} from './zoom-model.ts'

export interface SignInOptions {
  accountId: string
  userId: string
  displayName?: string
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
  appStatus: AppStatus = 'loading'
  readonly #configWaitMs: number
  #silentTimer: ReturnType<typeof setTimeout> | undefined
  #frame: HTMLIFrameElement | null = null
  #listeners = new Set<() => void>()

  constructor(options: EmulatorOptions = {}) {
    this.appUrl = options.appUrl ?? '/'
    this.#configWaitMs = options.configWaitMs ?? 5000
    this.bridge = new ZoomBridge({ model: this.model, target: () => this.#frame?.contentWindow ?? null })
    this.bridge.onLog((entry) => {
      if (entry.kind === 'response' && entry.name === 'config') this.#setAppStatus('configured')
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

  /** Reloads the agent page, which then launches again (config, context, status...). */
  reloadApp(): void {
    if (!this.#frame) return
    this.bridge.resetConfigured()
    this.#setAppStatus('loading')
    this.#frame.src = this.appUrl
  }

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
   * Dev sign-in as an agent (`POST /api/dev/sign-in`): the server sets the session cookie, which
   * the same-origin frame shares; the agent page is then reloaded to pick it up.
   */
  async signIn(options: SignInOptions): Promise<void> {
    const displayName = options.displayName?.trim() || options.userId
    // Throws ApiError with the server's code (e.g. DEV_SIGNIN_DISABLED, VALIDATION_FAILED).
    const res = await postJson<{ user?: SessionUser }>('/api/dev/sign-in', {
      accountId: options.accountId, userId: options.userId, role: 'agent', displayName,
    })
    this.user = res.user ?? { id: options.userId, accountId: options.accountId, role: 'agent', displayName }
    this.model.agent = { accountId: options.accountId, userId: options.userId, displayName }
    for (const e of this.model.engagements.values()) {
      e.status.assignedAgentId = options.userId
      e.status.assignedAgentName = displayName
    }
    this.reloadApp()
    this.#changed()
  }

  /** Reads the current session (if any) so the page can say who the framed app runs as. */
  async loadSession(): Promise<SessionUser | null> {
    try {
      const res = await getJson<{ user?: SessionUser }>('/api/session')
      this.user = res.user ?? null
    } catch {
      this.user = null
    }
    if (this.user) {
      this.model.agent = {
        accountId: this.user.accountId, userId: this.user.id, displayName: this.user.displayName ?? this.user.id,
      }
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
