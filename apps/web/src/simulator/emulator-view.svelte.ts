/**
 * Reactive mirror of the emulator for the Svelte UI: the controller stays plain TypeScript and
 * notifies; this copies what the page shows into `$state`.
 */
import type { SessionUser } from '@switchboard/protocol'
import type { BridgeLogEntry } from './bridge.ts'
import type { AppStatus, Emulator } from './emulator.ts'
import type { ConsentRequest, SignInPath } from './zoom-identity.ts'
import type { AgentIdentity, ClientSettings, EmulatedEngagement } from './zoom-model.ts'

const LOG_VIEW = 300

export class EmulatorView {
  engagements: EmulatedEngagement[] = $state([])
  focusedId: string | null = $state(null)
  user: SessionUser | null = $state(null)
  /** A Switchboard session whose Zoom account is not bound yet (it connects through OAuth). */
  notConnected = $state(false)
  /** The emulated Zoom client's signed-in user. */
  zoomUser: AgentIdentity = $state({ accountId: '', userId: '', displayName: '' })
  signInPath: SignInPath = $state('home-url')
  /** An `authorize()` waiting at Zoom's consent screen. */
  consent: ConsentRequest | null = $state(null)
  /** The emulator's last problem talking to the server for Zoom (app context, authorization). */
  identityProblem: string | null = $state(null)
  appStatus: AppStatus = $state('loading')
  settings: ClientSettings = $state.raw({ clientVersion: '', runningContext: 'inContactCenter', unsupported: [] })
  /** The SDK version the app's last `config` asked for. */
  sdkVersion: string | null = $state(null)
  log: BridgeLogEntry[] = $state.raw([])
  appVariables: Array<{ id: string; name: string }> = $state([])
  #clearedThrough = 0
  #emulator: Emulator

  #scheduled = false

  constructor(emulator: Emulator) {
    this.#emulator = emulator
    this.refresh()
    // The hosted app shares this page's main thread: the emulator's own page catches up when the
    // thread is idle (within 200 ms), once however much traffic there was, so it never delays the
    // app's frames (an app reacting to a Zoom event would otherwise wait for the traffic log).
    emulator.subscribe(() => {
      if (this.#scheduled) return
      this.#scheduled = true
      const run = (): void => {
        this.#scheduled = false
        this.refresh()
      }
      if (typeof requestIdleCallback === 'function') requestIdleCallback(run, { timeout: 200 })
      else setTimeout(run, 50)
    })
  }

  refresh(): void {
    const e = this.#emulator
    this.engagements = e.engagements()
    this.focusedId = e.model.focusedId
    this.user = e.user
    this.notConnected = e.notConnected
    this.zoomUser = { ...e.model.agent }
    this.signInPath = e.identity.path
    this.consent = e.identity.pending
    this.identityProblem = e.identity.problem
    this.appStatus = e.appStatus
    this.settings = e.model.settings
    this.sdkVersion = e.model.sdkVersion
    this.appVariables = e.model.appVariables.map((v) => ({ id: String(v.id), name: String(v.name ?? v.id) }))
    const log = e.bridge.log
    const from = Math.max(0, log.length - LOG_VIEW)
    this.log = log.slice(from).filter((entry) => entry.seq > this.#clearedThrough)
  }

  clearLog(): void {
    this.#clearedThrough = this.#emulator.bridge.log.at(-1)?.seq ?? 0
    this.log = []
  }
}
