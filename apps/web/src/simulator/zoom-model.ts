/**
 * The emulated Zoom Contact Center client: engagements, the one the agent has on screen, variables,
 * and the answers to the SDK's API calls, in Zoom's own raw shapes (string booleans, `{
 * engagementStatus: {...} }` wrappers; types from `@zoom/appssdk`, see zoom-types.ts). Mutations
 * return the events the client would send; the bridge posts them. No DOM here, so it is testable
 * on its own.
 *
 * Where Zoom documents no answer (a call of an API left out of `config`'s capabilities, or of one
 * the client reported unsupported), the emulator answers as usual and says so in `notes`, which
 * the bridge shows in its traffic log: it never invents an error code.
 */
import {
  SOURCES, ZOOM_CODES, type ApiReply, type Channel, type EngagementState, type RunningContext, type StatusChangeEvent,
  type ZoomApiName, type ZoomAppVariable, type ZoomConsumer, type ZoomEngagementContext, type ZoomEngagementStatus,
  type ZoomEvent, type ZoomReplies, type ZoomSource, type ZoomVariable,
} from './zoom-types.ts'

export interface EmulatedEngagement {
  context: ZoomEngagementContext
  status: ZoomEngagementStatus
  variables: ZoomVariable[]
}

export interface CreateEngagementOptions {
  id?: string
  channel?: Channel
  source?: ZoomSource
  queueId?: string
  queueName?: string
  consumer?: { id?: string; name?: string; number?: string; email?: string }
  transfer?: { type?: 'direct' | 'warm'; fromAgentId?: string; fromAgentName?: string }
  state?: EngagementState
  isConference?: boolean
  variables?: Record<string, string | number | boolean | null>
  /** Switch the agent to it at once (default true), as Zoom does when an engagement is accepted. */
  focus?: boolean
}

export interface StatusChanges {
  state?: EngagementState
  channel?: Channel
  source?: ZoomSource
  isConference?: boolean
  assignedAgentId?: string
  assignedAgentName?: string
  consumers?: ZoomConsumer[]
}

/** The client the app runs in: what `config` reports (applies from the app's next `config`). */
export interface ClientSettings {
  clientVersion: string
  runningContext: RunningContext
  /** APIs and events this client does not have (reported in `config`'s `unsupportedApis`). */
  unsupported: string[]
}

export interface AgentIdentity { accountId: string; userId: string; displayName: string }

/** A reply, with what the emulator noticed about the call (shown in the traffic log). */
export type ModelReply = ApiReply & { note?: string }

const CONTACT_CENTER_APIS: ReadonlySet<string> = new Set<ZoomApiName>([
  'getRunningContext', 'getEngagementContext', 'getEngagementStatus', 'getEngagementVariableValue',
  'getAppVariableList', 'getEngagementSecurableStatus',
])

export const DEFAULT_APP_VARIABLES: readonly ZoomAppVariable[] = [
  { id: 'var-account-number', name: 'Account number', type: 'globalCustom', dataType: 'string' },
  { id: 'var-priority', name: 'Priority', type: 'globalCustom', dataType: 'number', defaultValue: 3 },
  { id: 'var-vip', name: 'VIP', type: 'addressbookCustom', dataType: 'boolean', defaultValue: false },
]

function record(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {}
}

function reply<K extends keyof ZoomReplies>(_api: K, result: ZoomReplies[K]): ModelReply {
  return { result }
}

export class ZoomModel {
  readonly engagements = new Map<string, EmulatedEngagement>()
  focusedId: string | null = null
  runningContext: RunningContext = 'inContactCenter'
  clientVersion = '6.4.0'
  /** APIs/events this client does not have (reported in config's unsupportedApis). */
  unsupported = new Set<string>()
  /** The capabilities the app asked for in its last config call (null before config). */
  capabilities: Set<string> | null = null
  sdkVersion: string | null = null
  agent: AgentIdentity = { accountId: 'acct-demo', userId: 'agent-1', displayName: 'Demo Agent' }
  appVariables: ZoomAppVariable[] = DEFAULT_APP_VARIABLES.map((v) => ({ ...v }))
  #counter = 0
  #now: () => number

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now
  }

  get settings(): ClientSettings {
    return { clientVersion: this.clientVersion, runningContext: this.runningContext, unsupported: [...this.unsupported] }
  }

  configure(settings: Partial<ClientSettings>): void {
    if (settings.clientVersion !== undefined) this.clientVersion = settings.clientVersion.trim() || this.clientVersion
    if (settings.runningContext !== undefined) this.runningContext = settings.runningContext
    if (settings.unsupported !== undefined) this.unsupported = new Set(settings.unsupported)
  }

  // ---- client actions (return the events Zoom would send) ----

  createEngagement(options: CreateEngagementOptions = {}): { id: string; events: ZoomEvent[] } {
    const id = options.id?.trim() || `eng-${Date.now().toString(36)}-${(++this.#counter).toString(36)}`
    if (this.engagements.has(id)) throw new Error(`engagement ${id} already exists`)
    const now = this.#now()
    const channel = options.channel ?? 'voice'
    const c = options.consumer ?? {}
    const consumer: ZoomConsumer = {}
    if (c.id) consumer.consumerId = c.id
    consumer.consumerDisplayName = c.name ?? 'Consumer'
    if (c.number) consumer.consumerNumber = c.number
    if (c.email) consumer.consumerEmail = c.email
    const context: ZoomEngagementContext = {
      engagementId: id, startTime: now, acceptTime: now, isTransfer: options.transfer ? 'true' : 'false',
    }
    if (options.queueId) context.queueId = options.queueId
    if (options.queueName) context.queueName = options.queueName
    if (options.transfer) {
      context.transferType = options.transfer.type ?? 'direct'
      if (options.transfer.fromAgentId) context.transferFromAgentId = options.transfer.fromAgentId
      if (options.transfer.fromAgentName) context.transferFromAgentName = options.transfer.fromAgentName
    }
    const engagement: EmulatedEngagement = {
      context,
      status: {
        engagementId: id,
        state: options.state ?? 'active',
        channel,
        source: options.source ?? SOURCES[channel][0] ?? '',
        isConference: options.isConference ? 'true' : 'false',
        assignedAgentId: this.agent.userId,
        assignedAgentName: this.agent.displayName,
        consumers: [consumer],
      },
      variables: Object.entries(options.variables ?? {}).map(([vid, value]) => this.#variable(vid, value)),
    }
    this.engagements.set(id, engagement)
    const events = options.focus === false ? [] : this.focus(id)
    return { id, events }
  }

  /** The agent switches to `id` in Zoom. */
  focus(id: string): ZoomEvent[] {
    const e = this.#get(id)
    this.focusedId = id
    return this.#sent([{ name: 'onEngagementContextChange', data: { engagementContext: { ...e.context }, timestamp: this.#now() } }])
  }

  /** Applies status changes; the event carries only the fields that really changed. */
  setStatus(id: string, changes: StatusChanges): ZoomEvent[] {
    const e = this.#get(id)
    const current = e.status as unknown as Record<string, unknown>
    const next: Record<string, unknown> = { ...changes }
    if ('isConference' in changes) next.isConference = changes.isConference ? 'true' : 'false'
    if (changes.state === 'end' && e.status.state !== 'end') next.endTime = this.#now()
    const diff: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(next)) {
      if (value === undefined || JSON.stringify(current[key]) === JSON.stringify(value)) continue
      current[key] = structuredClone(value)
      diff[key] = structuredClone(value)
    }
    if (Object.keys(diff).length === 0) return []
    const data: StatusChangeEvent = {
      engagementStatus: { ...(diff as Partial<ZoomEngagementStatus>), engagementId: id },
      timestamp: this.#now(),
    }
    return this.#sent([{ name: 'onEngagementStatusChange', data }])
  }

  /**
   * Sets engagement variables. Zoom's change event does not name the engagement, so it is only sent
   * while that engagement is on screen (the app reads the others when it switches).
   */
  setVariables(id: string, values: Record<string, string | number | boolean | null>): ZoomEvent[] {
    const e = this.#get(id)
    const changed: ZoomVariable[] = []
    for (const [vid, value] of Object.entries(values)) {
      const existing = e.variables.find((v) => v.id === vid)
      if (existing && existing.value === value) continue
      const v = this.#variable(vid, value)
      if (existing) existing.value = value
      else e.variables.push(v)
      changed.push(v)
    }
    if (changed.length === 0 || this.focusedId !== id) return []
    // Zoom's documented example carries this timestamp in seconds.
    return this.#sent([{ name: 'onEngagementVariableValueChange', data: { variables: changed, timestamp: Math.floor(this.#now() / 1000) } }])
  }

  // ---- the SDK's API calls ----

  handle(apiName: string, data: unknown): ModelReply {
    const d = record(data)
    if (apiName === 'config') return this.#config(d)
    const answer = this.#answer(apiName, d)
    const note = this.#noteFor(apiName)
    return note && !answer.note ? { ...answer, note } : answer
  }

  /** A reply made elsewhere (zoom-identity.ts), with what the emulator notices about the call. */
  async noted(apiName: string, answer: Promise<ModelReply>): Promise<ModelReply> {
    const a = await answer
    const note = this.#noteFor(apiName)
    return note && !a.note ? { ...a, note } : a
  }

  list(): EmulatedEngagement[] {
    return [...this.engagements.values()]
  }

  #answer(apiName: string, d: Record<string, unknown>): ModelReply {
    if (CONTACT_CENTER_APIS.has(apiName) && this.runningContext !== 'inContactCenter') {
      return { errorCode: ZOOM_CODES.NOT_IN_CONTACT_CENTER, errorMessage: 'Method not available outside Zoom Contact Center' }
    }
    // Without an id, the Contact Center reads answer about the engagement on screen (Zoom's
    // samples call them that way).
    const engagement = (): EmulatedEngagement | null => this.#readable(typeof d.engagementId === 'string' ? d.engagementId : this.focusedId)
    switch (apiName) {
      case 'getRunningContext':
        return reply('getRunningContext', this.runningContext)
      case 'getEngagementContext': {
        const e = engagement()
        return e ? reply('getEngagementContext', { engagementContext: { ...e.context } }) : this.#noEngagement()
      }
      case 'getEngagementStatus': {
        const e = engagement()
        return e ? reply('getEngagementStatus', { engagementStatus: structuredClone(e.status) }) : this.#noEngagement()
      }
      case 'getEngagementVariableValue': {
        const e = engagement()
        if (!e) return this.#noEngagement()
        const list = typeof d.variableId === 'string' ? e.variables.filter((v) => v.id === d.variableId) : e.variables
        return reply('getEngagementVariableValue', { variables: structuredClone(list) })
      }
      case 'getAppVariableList':
        return reply('getAppVariableList', { variables: structuredClone(this.appVariables) })
      case 'getUserContext':
        return reply('getUserContext', {
          status: 'authorized', screenName: this.agent.displayName, participantId: '',
          participantUUID: this.agent.userId, role: 'agent',
        })
      default:
        // The emulator's own limit, not a Zoom answer: 10001 is the SDK's generic "the Zoom
        // client encountered an error while processing the request".
        return {
          errorCode: 10001, errorMessage: `${apiName} is not implemented by the Switchboard Zoom emulator.`,
          note: `${apiName} is not implemented by the emulator (its reply is the SDK's generic client error).`,
        }
    }
  }

  /** What is worth saying about a call Zoom documents no answer for. */
  #noteFor(apiName: string): string | undefined {
    if (this.unsupported.has(apiName)) {
      return `${apiName} was reported unsupported in config, yet the app called it; Zoom documents no answer for that, the emulator answers as usual.`
    }
    if (this.capabilities && !this.capabilities.has(apiName)) {
      return `${apiName} is not in the capabilities the app passed to config (add it there and on the Marketplace app); Zoom documents no answer for that, the emulator answers as usual.`
    }
    return undefined
  }

  #config(d: Record<string, unknown>): ModelReply {
    const apis = Array.isArray(d.js_api_lists) ? d.js_api_lists.map(String) : []
    this.capabilities = new Set(apis)
    this.sdkVersion = typeof d.version === 'string' ? d.version : null
    return reply('config', {
      clientVersion: this.clientVersion,
      runningContext: this.runningContext,
      unsupportedApis: apis.filter((a) => this.unsupported.has(a)) as ZoomApiName[],
      auth: { status: 'authorized', upgradable: false },
      browserVersion: 'switchboard-emulator',
      userAgent: typeof navigator === 'undefined' ? '' : navigator.userAgent,
      launchContext: { origin: 'App Launcher', openBy: 'user' },
      product: 'desktop',
    })
  }

  /** A client without an event does not send it. */
  #sent(events: ZoomEvent[]): ZoomEvent[] {
    return events.filter((e) => !this.unsupported.has(e.name))
  }

  #variable(id: string, value: ZoomVariable['value']): ZoomVariable {
    const known = this.appVariables.find((v) => v.id === id)
    return known ? { id, name: known.name, value } : { id, value }
  }

  /** An engagement the client can still answer about: once it ended, it is gone for the app. */
  #readable(id: string | null): EmulatedEngagement | null {
    const e = id ? this.engagements.get(id) ?? null : null
    return e && e.status.state !== 'end' ? e : null
  }

  #get(id: string): EmulatedEngagement {
    const e = this.engagements.get(id)
    if (!e) throw new Error(`no engagement ${id}`)
    return e
  }

  #noEngagement(): ModelReply {
    return { errorCode: ZOOM_CODES.NOT_IN_ENGAGEMENT, errorMessage: 'Method not available outside Engagement context' }
  }
}
