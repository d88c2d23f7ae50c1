/**
 * The emulated Zoom Contact Center client: engagements, the one the agent has on screen, variables,
 * and the answers to the SDK's API calls, in Zoom's own raw shapes (string booleans, `{
 * engagementStatus: {...} }` wrappers). Mutations return the events the client would send; the
 * bridge posts them. No DOM here, so it is testable on its own.
 */

export type Channel = 'voice' | 'video' | 'messaging' | 'email'
export type EngagementState = 'active' | 'inactive' | 'wrap-up' | 'end'

export const CHANNELS: readonly Channel[] = ['voice', 'video', 'messaging', 'email']
export const STATES: readonly EngagementState[] = ['active', 'inactive', 'wrap-up', 'end']
/** Zoom's `source` values per channel (voice and email have none). */
export const SOURCES: Record<Channel, readonly string[]> = {
  voice: [''],
  video: ['video_webVideo', 'video_inAppVideo', 'video_kiosk'],
  messaging: ['messaging_webChat', 'messaging_inAppChat', 'messaging_facebook', 'messaging_whatsapp', 'messaging_sms'],
  email: [''],
}

export const ZOOM_CODES = { CLIENT_ERROR: 10001, NOT_IN_CONTACT_CENTER: 10242, NOT_IN_ENGAGEMENT: 10243 } as const

export interface ZoomConsumer {
  consumerId?: string
  consumerDisplayName?: string
  consumerNumber?: string
  consumerEmail?: string
}

export interface ZoomEngagementContext {
  engagementId: string
  startTime: number
  acceptTime?: number
  queueId?: string
  queueName?: string
  isTransfer?: string
  transferType?: string
  transferFromAgentId?: string
  transferFromAgentName?: string
}

export interface ZoomEngagementStatus {
  engagementId: string
  state: EngagementState
  channel: Channel
  source: string
  isConference: string
  assignedAgentId?: string
  assignedAgentName?: string
  endTime?: number
  consumers: ZoomConsumer[]
}

export interface ZoomVariable { id: string; name?: string; value: string | number | boolean | null }

export interface EmulatedEngagement {
  context: ZoomEngagementContext
  status: ZoomEngagementStatus
  variables: ZoomVariable[]
}

export interface CreateEngagementOptions {
  id?: string
  channel?: Channel
  source?: string
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
  source?: string
  isConference?: boolean
  assignedAgentId?: string
  assignedAgentName?: string
  consumers?: ZoomConsumer[]
}

export interface AgentIdentity { accountId: string; userId: string; displayName: string }

export type ZoomEventName = 'onEngagementContextChange' | 'onEngagementStatusChange' | 'onEngagementVariableValueChange' | 'onAuthorized'
export interface ZoomEvent { name: ZoomEventName; data: Record<string, unknown> }

export type ApiReply = { result: unknown } | { errorCode: number; errorMessage: string }

const CONTACT_CENTER_APIS = new Set([
  'getRunningContext', 'getEngagementContext', 'getEngagementStatus', 'getEngagementVariableValue',
  'getAppVariableList', 'getEngagementSecurableStatus',
])

export const DEFAULT_APP_VARIABLES = [
  { id: 'var-account-number', name: 'Account number', type: 'globalCustom', dataType: 'string' },
  { id: 'var-priority', name: 'Priority', type: 'globalCustom', dataType: 'number', defaultValue: 3 },
  { id: 'var-vip', name: 'VIP', type: 'addressbookCustom', dataType: 'boolean', defaultValue: false },
] as const

function fail(errorCode: number, errorMessage: string): ApiReply {
  return { errorCode, errorMessage }
}

function record(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {}
}

export class ZoomModel {
  readonly engagements = new Map<string, EmulatedEngagement>()
  focusedId: string | null = null
  runningContext = 'inContactCenter'
  clientVersion = '6.4.0'
  /** APIs/events this client pretends not to support (reported in config's unsupportedApis). */
  unsupported = new Set<string>()
  /** The capabilities the app asked for in its last config call (null before config). */
  capabilities: Set<string> | null = null
  sdkVersion: string | null = null
  agent: AgentIdentity = { accountId: 'acct-demo', userId: 'agent-1', displayName: 'Demo Agent' }
  appVariables: Array<Record<string, unknown>> = DEFAULT_APP_VARIABLES.map((v) => ({ ...v }))
  #counter = 0
  #now: () => number

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now
  }

  // ---- client actions (return the events Zoom would send) ----

  createEngagement(options: CreateEngagementOptions = {}): { id: string; events: ZoomEvent[] } {
    const id = options.id ?? `eng-${Date.now().toString(36)}-${(++this.#counter).toString(36)}`
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
    return [{ name: 'onEngagementContextChange', data: { engagementContext: { ...e.context }, timestamp: this.#now() } }]
  }

  /** Applies status changes; the event carries only the fields that really changed. */
  setStatus(id: string, changes: StatusChanges): ZoomEvent[] {
    const e = this.#get(id)
    const diff: Record<string, unknown> = {}
    const s = e.status as unknown as Record<string, unknown>
    const next: Record<string, unknown> = { ...changes }
    if ('isConference' in changes) next.isConference = changes.isConference ? 'true' : 'false'
    if (changes.state === 'end' && e.status.state !== 'end') next.endTime = this.#now()
    for (const [key, value] of Object.entries(next)) {
      if (value === undefined) continue
      if (JSON.stringify(s[key]) === JSON.stringify(value)) continue
      s[key] = structuredClone(value)
      diff[key] = structuredClone(value)
    }
    if (Object.keys(diff).length === 0) return []
    return [{
      name: 'onEngagementStatusChange',
      data: { engagementStatus: { engagementId: id, ...diff }, timestamp: this.#now() },
    }]
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
    return [{ name: 'onEngagementVariableValueChange', data: { variables: changed, timestamp: Math.floor(this.#now() / 1000) } }]
  }

  // ---- the SDK's API calls ----

  handle(apiName: string, data: unknown): ApiReply {
    const d = record(data)
    if (apiName === 'config') return this.#config(d)
    if (this.capabilities && !this.capabilities.has(apiName)) {
      return fail(ZOOM_CODES.CLIENT_ERROR, `${apiName} is not in the capabilities passed to config (emulator check).`)
    }
    if (CONTACT_CENTER_APIS.has(apiName) && this.runningContext !== 'inContactCenter') {
      return fail(ZOOM_CODES.NOT_IN_CONTACT_CENTER, 'Method not available outside Zoom Contact Center')
    }
    switch (apiName) {
      case 'getRunningContext':
        // The client answers a bare string; the SDK wraps it as `{ context }` (its compatibility map).
        return { result: this.runningContext }
      case 'getEngagementContext': {
        const e = this.#find(typeof d.engagementId === 'string' ? d.engagementId : this.focusedId)
        return e ? { result: { engagementContext: { ...e.context } } } : this.#noEngagement()
      }
      case 'getEngagementStatus': {
        const e = this.#find(typeof d.engagementId === 'string' ? d.engagementId : null)
        return e ? { result: { engagementStatus: structuredClone(e.status) } } : this.#noEngagement()
      }
      case 'getEngagementVariableValue': {
        const e = this.#find(typeof d.engagementId === 'string' ? d.engagementId : null)
        if (!e) return this.#noEngagement()
        const list = typeof d.variableId === 'string' ? e.variables.filter((v) => v.id === d.variableId) : e.variables
        return { result: { variables: structuredClone(list) } }
      }
      case 'getAppVariableList':
        return { result: { variables: structuredClone(this.appVariables) } }
      case 'getAppContext':
        return { result: { context: this.appContextToken() } }
      case 'getUserContext':
        return {
          result: {
            status: 'authorized', screenName: this.agent.displayName, participantId: '',
            participantUUID: this.agent.userId, role: 'agent',
          },
        }
      default:
        return fail(ZOOM_CODES.CLIENT_ERROR, `${apiName} is not implemented by the Switchboard Zoom emulator.`)
    }
  }

  /**
   * Not Zoom's encrypted token (the emulator has no client secret): a readable marker the server
   * rejects as an app context, so dev sign-in stays the only way in.
   */
  appContextToken(): string {
    return `emulator.${btoa(JSON.stringify({ uid: this.agent.userId, aid: this.agent.accountId, typ: 'emulator' }))}`
  }

  list(): EmulatedEngagement[] {
    return [...this.engagements.values()]
  }

  #config(d: Record<string, unknown>): ApiReply {
    const apis = Array.isArray(d.js_api_lists) ? d.js_api_lists.map(String) : []
    this.capabilities = new Set(apis)
    this.sdkVersion = typeof d.version === 'string' ? d.version : null
    return {
      result: {
        clientVersion: this.clientVersion,
        runningContext: this.runningContext,
        unsupportedApis: apis.filter((a) => this.unsupported.has(a)),
        auth: { status: 'authorized', upgradable: false },
        browserVersion: 'switchboard-emulator',
        userAgent: typeof navigator === 'undefined' ? '' : navigator.userAgent,
        launchContext: { origin: 'App Launcher', openBy: 'user' },
        product: 'desktop',
      },
    }
  }

  #variable(id: string, value: ZoomVariable['value']): ZoomVariable {
    const known = this.appVariables.find((v) => v.id === id)
    return typeof known?.name === 'string' ? { id, name: known.name, value } : { id, value }
  }

  #find(id: string | null): EmulatedEngagement | null {
    return id ? this.engagements.get(id) ?? null : null
  }

  #get(id: string): EmulatedEngagement {
    const e = this.engagements.get(id)
    if (!e) throw new Error(`no engagement ${id}`)
    return e
  }

  #noEngagement(): ApiReply {
    return fail(ZOOM_CODES.NOT_IN_ENGAGEMENT, 'Method not available outside Engagement context')
  }
}
