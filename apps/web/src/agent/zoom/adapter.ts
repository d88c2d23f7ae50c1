/**
 * The one place the agent app touches `@zoom/appssdk`.
 *
 * The SDK's default export is a Proxy that answers every property with a function, so it is
 * thenable: it must never be awaited, returned from an async function or passed to
 * `Promise.resolve()`. We keep it in a private field and only ever await the promises its
 * methods return.
 */
import zoomSdk from '@zoom/appssdk'
import { contactCenterCapabilities, REQUIRED_CAPABILITIES, type ZoomCapability } from './capabilities.ts'
import { EventHub } from '@switchboard/protocol/emitter'
import { toZoomError, ZoomError } from './errors.ts'
import { detectHost } from './host.ts'
import {
  eventTimestamp, isRecord, normalizeContext, normalizeStatus, normalizeVariables,
} from './normalize.ts'
import type {
  EngagementContext, EngagementStatusSnapshot, EngagementVariable, HostInfo, ZoomAdapterEvents, ZoomConfig,
} from './types.ts'

/**
 * The SDK methods the adapter uses, typed by the SDK itself: its default export is one, and a
 * change of those signatures in `@zoom/appssdk` fails the type check here.
 */
export type ZoomSdkLike = Pick<typeof zoomSdk,
  | 'config' | 'getRunningContext' | 'getEngagementContext' | 'getEngagementStatus' | 'getEngagementVariableValue'
  | 'getAppContext' | 'authorize' | 'addEventListener' | 'removeEventListener'>

export interface ZoomAdapterOptions {
  /** Defaults to the real `@zoom/appssdk` default export. */
  sdk?: ZoomSdkLike
  /** Ask for `authorize`/`onAuthorized` as well (in-client OAuth). */
  oauth?: boolean
  /** Per-call timeout passed to `config({ timeout })`; the SDK's default is 10 s. */
  timeoutMs?: number
  now?: () => number
}

/** The engagement Zoom showed when the app launched, read in Zoom's recommended order. */
export interface LaunchResult {
  config: ZoomConfig
  runningContext: string
  /** null when the agent is not in an engagement (10243). */
  engagement: {
    context: EngagementContext
    /** null when the status reply was about another engagement (the agent switched meanwhile). */
    status: EngagementStatusSnapshot | null
    variables: EngagementVariable[] | null
  } | null
}

export interface ZoomAdapter {
  readonly host: HostInfo
  /** Capabilities we asked for that the client reported as unsupported. */
  readonly unsupported: ReadonlySet<string>
  config(): Promise<ZoomConfig>
  launch(): Promise<LaunchResult>
  getRunningContext(): Promise<string>
  getEngagementContext(engagementId?: string): Promise<EngagementContext>
  getEngagementStatus(engagementId: string): Promise<EngagementStatusSnapshot>
  getEngagementVariables(engagementId: string, variableId?: string): Promise<EngagementVariable[]>
  /** The encrypted app context token (same as the Home URL's `x-zoom-app-context`). */
  getAppContext(): Promise<string>
  authorize(options: { codeChallenge: string; state?: string }): Promise<void>
  on<K extends keyof ZoomAdapterEvents>(name: K, fn: (payload: ZoomAdapterEvents[K]) => void): () => void
  /** Removes the SDK listeners this adapter added and all subscribers. */
  dispose(): void
}

const SDK_EVENTS = {
  onEngagementContextChange: 'context',
  onEngagementStatusChange: 'status',
  onEngagementVariableValueChange: 'variables',
  onAuthorized: 'authorized',
} as const satisfies Record<string, keyof ZoomAdapterEvents>

type SdkEventName = keyof typeof SDK_EVENTS

function readConfig(raw: unknown): ZoomConfig {
  const r = isRecord(raw) ? raw : {}
  const auth = isRecord(r.auth)
    ? { status: String(r.auth.status ?? ''), upgradable: Boolean(r.auth.upgradable) }
    : null
  return {
    runningContext: typeof r.runningContext === 'string' ? r.runningContext : '',
    clientVersion: typeof r.clientVersion === 'string' ? r.clientVersion : '',
    unsupportedApis: Array.isArray(r.unsupportedApis) ? r.unsupportedApis.map(String) : [],
    auth,
    product: typeof r.product === 'string' ? r.product : null,
  }
}

/** The `context` string of a `getRunningContext` or `getAppContext` reply ('' when missing). */
function contextText(raw: unknown): string {
  return isRecord(raw) && typeof raw.context === 'string' ? raw.context : ''
}

export function createZoomAdapter(options: ZoomAdapterOptions = {}): ZoomAdapter {
  const sdk: ZoomSdkLike = options.sdk ?? zoomSdk
  const now = options.now ?? Date.now
  const capabilities: ZoomCapability[] = contactCenterCapabilities({ oauth: options.oauth })
  const emitter = new EventHub<ZoomAdapterEvents>()
  const unsupported = new Set<string>()
  const attached = new Map<SdkEventName, (event: unknown) => void>()
  let configPromise: Promise<ZoomConfig> | null = null
  let disposed = false

  async function call<T>(api: string, run: () => Promise<unknown>, map: (raw: unknown) => T): Promise<T> {
    let raw: unknown
    try {
      raw = await run()
    } catch (error) {
      throw toZoomError(api, error)
    }
    return map(raw)
  }

  function handlerFor(name: SdkEventName): (event: unknown) => void {
    return (event: unknown) => {
      if (disposed) return
      const e = isRecord(event) ? event : {}
      const timestamp = eventTimestamp(e.timestamp, now())
      switch (SDK_EVENTS[name]) {
        case 'context': {
          const context = normalizeContext(e)
          if (context) emitter.emit('context', { context, timestamp })
          return
        }
        case 'status': {
          const s = normalizeStatus(e)
          if (s) emitter.emit('status', { engagementId: s.engagementId, changes: s.status, timestamp })
          return
        }
        case 'variables':
          emitter.emit('variables', { variables: normalizeVariables(e), timestamp })
          return
        case 'authorized':
          emitter.emit('authorized', { ...e })
      }
    }
  }

  function attachListeners(): void {
    for (const name of Object.keys(SDK_EVENTS) as SdkEventName[]) {
      if (attached.has(name) || unsupported.has(name) || !capabilities.includes(name)) continue
      const handler = handlerFor(name)
      // addEventListener (not onX) so dispose() can remove it again.
      sdk.addEventListener(name, handler)
      attached.set(name, handler)
    }
  }

  function config(): Promise<ZoomConfig> {
    configPromise ??= call('config', () => sdk.config({
      version: '0.16',
      capabilities,
      ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
    }), readConfig).then((cfg) => {
      for (const api of cfg.unsupportedApis) unsupported.add(api)
      const missing = REQUIRED_CAPABILITIES.filter((c) => unsupported.has(c))
      if (missing.length > 0) {
        throw new ZoomError('unsupported-api', 'config', `The Zoom client does not support ${missing.join(', ')}; update Zoom to 6.0 or newer and add them to the Marketplace app.`)
      }
      // Listen right after config (locally, no bridge traffic) so no event is lost while the
      // launch reads run; the bridge requests below still follow Zoom's documented order.
      if (!disposed) attachListeners()
      return cfg
    })
    // A failed config may be retried (e.g. after the emulator reloads).
    configPromise.catch(() => { configPromise = null })
    return configPromise
  }

  async function ready(): Promise<void> {
    await config()
  }

  const adapter: ZoomAdapter = {
    host: detectHost(),
    unsupported,
    config,

    async getRunningContext() {
      await ready()
      return call('getRunningContext', () => sdk.getRunningContext(), contextText)
    },

    async getEngagementContext(engagementId) {
      await ready()
      const context = await call('getEngagementContext',
        () => sdk.getEngagementContext(engagementId ? { engagementId } : undefined), normalizeContext)
      if (!context) throw new ZoomError('zoom', 'getEngagementContext', 'The engagement context reply has no engagementId.')
      return context
    },

    async getEngagementStatus(engagementId) {
      await ready()
      const status = await call('getEngagementStatus', () => sdk.getEngagementStatus({ engagementId }), normalizeStatus)
      if (!status) throw new ZoomError('zoom', 'getEngagementStatus', 'The engagement status reply has no engagementId.')
      return status
    },

    async getEngagementVariables(engagementId, variableId) {
      await ready()
      if (unsupported.has('getEngagementVariableValue')) return []
      return call('getEngagementVariableValue',
        () => sdk.getEngagementVariableValue(variableId ? { engagementId, variableId } : { engagementId }),
        normalizeVariables)
    },

    async getAppContext() {
      await ready()
      return call('getAppContext', () => sdk.getAppContext(), contextText)
    },

    async authorize(opts) {
      await ready()
      await call('authorize', () => sdk.authorize(opts), () => undefined)
    },

    async launch() {
      const cfg = await config()
      const runningContext = await adapter.getRunningContext()
      if (runningContext !== 'inContactCenter') {
        throw new ZoomError('not-in-contact-center', 'getRunningContext',
          `The app runs in "${runningContext || 'an unknown context'}", not in Zoom Contact Center.`)
      }
      let context: EngagementContext
      try {
        context = await adapter.getEngagementContext()
      } catch (error) {
        if (error instanceof ZoomError && error.kind === 'not-in-engagement') {
          return { config: cfg, runningContext, engagement: null }
        }
        throw error
      }
      const id = context.engagementId
      let status: EngagementStatusSnapshot | null = await adapter.getEngagementStatus(id)
      // The agent may have switched while we waited: a reply about another engagement is not
      // this one's status (the context-change event brings the other one in on its own).
      if (status.engagementId !== id) status = null
      let variables: EngagementVariable[] | null = null
      try {
        variables = await adapter.getEngagementVariables(id)
      } catch {
        variables = null // optional (client 6.2.5+); a failure here must not fail the launch
      }
      return { config: cfg, runningContext, engagement: { context, status, variables } }
    },

    on: (name, fn) => emitter.on(name, fn),

    dispose() {
      disposed = true
      for (const [name, handler] of attached) sdk.removeEventListener(name, handler)
      attached.clear()
      emitter.clear()
    },
  }
  return adapter
}
