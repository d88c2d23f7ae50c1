/**
 * `window.zoomEmulator`: the emulator's API for tests and the console (documented in README.md).
 * Every method goes through the same controller as the buttons.
 */
import { EMULATOR_MARKER } from '../agent/zoom/host.ts'
import type { BridgeLogEntry, ScriptedReply } from './bridge.ts'
import type { AppStatus, Emulator, SignInOptions } from './emulator.ts'
import type { AgentStatus, SentWebhook } from './webhook-sender.ts'
import type { ClientSettings, CreateEngagementOptions, EmulatedEngagement, StatusChanges } from './zoom-model.ts'

export interface ZoomEmulatorApi {
  /** Resolves once the hosted agent page has called `config` (after the latest load). */
  readonly ready: Promise<void>
  /** Signs the emulated Zoom client in as this user; the app signs in with a new app context. */
  signIn(options: SignInOptions): Promise<void>
  /** The `authorize()` waiting for consent (Zoom's consent screen), if any. */
  pendingConsent(): { accountId: string; userId: string } | null
  /** Clicks Allow (true) or Cancel on the consent screen; resolves once `onAuthorized` is sent. */
  consent(allow: boolean): Promise<void>
  createEngagement(options?: CreateEngagementOptions): string
  focus(engagementId: string): void
  setStatus(engagementId: string, changes: StatusChanges): void
  setVariables(engagementId: string, values: Record<string, string | number | boolean | null>): void
  engagements(): EmulatedEngagement[]
  focusedId(): string | null
  log(): BridgeLogEntry[]
  reloadApp(): void
  /** Where the hosted app is: loading, failed (did not load), waiting/silent (no config yet), configured. */
  appStatus(): AppStatus
  /** The client the app runs in, from the app's next `config` (reload it to apply). */
  configureClient(settings: Partial<ClientSettings>): void
  clientSettings(): ClientSettings
  scriptNext(apiName: string, reply: ScriptedReply): void
  emitRaw(name: string, data: unknown): void
  /** The signed Zoom webhooks the emulator sends the server (webhook-sender.ts). */
  readonly webhooks: {
    /** Resolves once the page asked the server for the development Secret Token. */
    readonly loaded: Promise<void>
    enabled(): boolean
    setEnabled(on: boolean): void
    /** Why they cannot be sent (no development Secret Token), or null. */
    unavailable(): string | null
    setAgentStatus(status: AgentStatus): void
    setLoggedIn(on: boolean): void
    log(): SentWebhook[]
    /** Resolves once every webhook queued so far was answered. */
    settled(): Promise<void>
  }
}

declare global {
  interface Window {
    zoomEmulator?: ZoomEmulatorApi
  }
}

export function installWindowApi(emulator: Emulator, win: Window = window): ZoomEmulatorApi {
  const api: ZoomEmulatorApi = {
    get ready() { return emulator.ready },
    signIn: (options) => emulator.signIn(options),
    pendingConsent: () => {
      const p = emulator.identity.pending
      return p ? { accountId: p.user.accountId, userId: p.user.userId } : null
    },
    consent: (allow) => emulator.consent(allow),
    createEngagement: (options) => emulator.createEngagement(options),
    focus: (id) => emulator.focus(id),
    setStatus: (id, changes) => emulator.setStatus(id, changes),
    setVariables: (id, values) => emulator.setVariables(id, values),
    engagements: () => emulator.engagements(),
    focusedId: () => emulator.model.focusedId,
    log: () => emulator.log(),
    reloadApp: () => emulator.reloadApp(),
    appStatus: () => emulator.appStatus,
    configureClient: (settings) => emulator.configureClient(settings),
    clientSettings: () => emulator.model.settings,
    scriptNext: (apiName, reply) => emulator.scriptNext(apiName, reply),
    emitRaw: (name, data) => emulator.emitRaw(name, data),
    webhooks: {
      get loaded() { return emulator.webhooks.loaded },
      enabled: () => emulator.webhooks.enabled,
      setEnabled: (on) => emulator.webhooks.setEnabled(on),
      unavailable: () => emulator.webhooks.unavailable,
      setAgentStatus: (status) => emulator.webhooks.setAgentStatus(status),
      setLoggedIn: (on) => emulator.webhooks.setLoggedIn(on),
      log: () => structuredClone(emulator.webhooks.log),
      settled: () => emulator.webhooks.settled(),
    },
  }
  win.zoomEmulator = api
  // Lets the framed agent page tell the emulator from the real Zoom client (host.ts).
  ;(win as unknown as Record<string, unknown>)[EMULATOR_MARKER] = true
  return api
}
