/**
 * The emulator's stand-in for Zoom's event notifications: when engagements are created and
 * changed in the emulator, the webhooks Zoom would send about them are signed (HMAC-SHA256 of
 * `v0:{timestamp}:{body}` with the development Secret Token the server generated, WebCrypto) and
 * posted to `POST /api/zoom/webhooks`, one after another in order, exactly as Zoom would post
 * them. So the local demo shows both sources; close the agent app and the board still follows
 * the engagement. An agent status control sends `user_status_changed`, login and logout.
 * On by default; the page's switch turns it off.
 */
import {
  webhookChannelSource, zoomEngagementEvent, zoomUserEvent, ZOOM_WEBHOOK_PATH, type DevWebhookSettings,
  type ZoomEngagementEvent, type ZoomEngagementFields, type ZoomUserEvent, type ZoomWebhookBody,
} from '@switchboard/protocol/zoom-webhooks'
import { getJson } from '../lib/api.ts'
import type { EmulatedEngagement } from './zoom-model.ts'
import type { AgentIdentity } from './zoom-model.ts'

export interface SentWebhook {
  seq: number
  at: number
  event: string
  /** HTTP status, or 0 when the server could not be reached. */
  status: number
  /** The receiver's answer: accepted, duplicate, unknown-account, …, or the error code. */
  outcome: string
}

/** An agent status as Zoom names it; the ids are the emulator's own (Zoom's are per account). */
export interface AgentStatus { name: string; id?: string; subName?: string; subId?: string }

export const AGENT_STATUSES: readonly AgentStatus[] = [
  { name: 'Ready', id: '1' },
  { name: 'Not Ready', id: '2', subName: 'Break', subId: '20' },
  { name: 'Not Ready', id: '2', subName: 'Meal', subId: '21' },
  { name: 'Not Ready', id: '2', subName: 'Meeting', subId: '22' },
  { name: 'Not Ready', id: '2', subName: 'Training', subId: '23' },
  { name: 'Occupied', id: '3' },
  { name: 'Offline', id: '0' },
]

export function statusLabel(s: AgentStatus): string {
  return s.subName ? `${s.name}: ${s.subName}` : s.name
}

const LOG_SIZE = 30
const encoder = new TextEncoder()

function hex(buf: ArrayBuffer): string {
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** The webhooks Zoom sends when an engagement appears in the client in `state`. */
export function eventsForNew(state: EmulatedEngagement['status']['state']): ZoomEngagementEvent[] {
  const answered: ZoomEngagementEvent[] = ['engagement_started', 'engagement_user_answered']
  if (state === 'inactive') return [...answered, 'engagement_user_hold']
  if (state === 'wrap-up') return [...answered, 'engagement_user_ended', 'engagement_wrap_up_started']
  if (state === 'end') return [...answered, 'engagement_user_ended', 'engagement_wrap_up_started', 'engagement_wrap_up_ended', 'engagement_ended']
  return answered
}

/** The webhooks Zoom sends for a state change. */
export function eventsForState(before: EmulatedEngagement['status']['state'], after: EmulatedEngagement['status']['state']): ZoomEngagementEvent[] {
  if (before === after || before === 'end') return []
  if (after === 'inactive') return ['engagement_user_hold']
  if (after === 'active') return before === 'inactive' ? ['engagement_user_unhold'] : []
  if (after === 'wrap-up') return ['engagement_user_ended', 'engagement_wrap_up_started']
  return before === 'wrap-up' ? ['engagement_wrap_up_ended', 'engagement_ended'] : ['engagement_user_ended', 'engagement_wrap_up_ended', 'engagement_ended']
}

export class ZoomWebhookSender {
  enabled = true
  /** Why webhooks cannot be signed (no development token), or null when they can. */
  unavailable: string | null = 'Loading the development Secret Token…'
  readonly log: SentWebhook[] = []
  agentStatus: AgentStatus | null = null
  loggedIn = false
  #secret: string | null = null
  #key: Promise<CryptoKey> | null = null
  #queue: Promise<void> = Promise.resolve()
  #seq = 0
  #listeners = new Set<() => void>()
  readonly #agent: () => AgentIdentity

  constructor(agent: () => AgentIdentity) {
    this.#agent = agent
  }

  #loadedResolve: () => void = () => {}
  /** Settles once `load()` has answered (tests wait for it). */
  readonly loaded: Promise<void> = new Promise((resolve) => { this.#loadedResolve = resolve })

  /** Fetches the development Secret Token (dev sign-in servers only). */
  async load(): Promise<void> {
    try {
      await this.#load()
    } finally {
      this.#loadedResolve()
    }
  }

  async #load(): Promise<void> {
    try {
      const s = await getJson<DevWebhookSettings>('/api/dev/zoom-webhooks')
      this.#secret = s.secretToken
      this.#key = null
      this.unavailable = s.secretToken ? null : (s.reason ?? 'The server gave no Secret Token.')
    } catch (err) {
      this.#secret = null
      this.unavailable = `The server did not give a Secret Token (${err instanceof Error ? err.message : String(err)}).`
    }
    this.#changed()
  }

  setEnabled(on: boolean): void {
    this.enabled = on
    this.#changed()
  }

  subscribe(fn: () => void): () => void {
    this.#listeners.add(fn)
    return () => { this.#listeners.delete(fn) }
  }

  /** An engagement appeared in the client (accepted, or created in any state). */
  created(e: EmulatedEngagement): void {
    const at = Date.now()
    for (const name of eventsForNew(e.status.state)) {
      this.engagementEvent(name, e, name === 'engagement_started' ? Math.min(at, Number(e.context.startTime) || at) : at)
    }
  }

  /** The emulator changed an engagement's status. */
  changed(before: EmulatedEngagement, after: EmulatedEngagement): void {
    if (after.status.assignedAgentId && after.status.assignedAgentId !== before.status.assignedAgentId && before.status.state !== 'end') {
      this.engagementEvent('engagement_transfer_completed', before, Date.now(), {
        transferTo: { userId: after.status.assignedAgentId, userName: after.status.assignedAgentName, type: 'warm' },
      })
    }
    for (const name of eventsForState(before.status.state, after.status.state)) this.engagementEvent(name, after, Date.now())
  }

  engagementEvent(name: ZoomEngagementEvent, e: EmulatedEngagement, at: number, extra: Partial<ZoomEngagementFields> = {}): void {
    const agent = this.#agent()
    const consumer = e.status.consumers[0]
    const fields: ZoomEngagementFields = {
      engagementId: e.context.engagementId, at, direction: 'inbound',
      userId: e.status.assignedAgentId || agent.userId, userName: e.status.assignedAgentName || agent.displayName,
      channel: e.status.channel, channelSource: webhookChannelSource(e.status.source),
      queueId: e.context.queueId, queueName: e.context.queueName,
      consumer: consumer ? { id: consumer.consumerId, name: consumer.consumerDisplayName, number: consumer.consumerNumber } : undefined,
      ...extra,
    }
    this.#post(zoomEngagementEvent(name, agent.accountId, fields))
  }

  /** The agent's Contact Center status changed (user_status_changed). */
  setAgentStatus(status: AgentStatus): void {
    const agent = this.#agent()
    const previous = this.agentStatus
    this.agentStatus = status
    this.#post(zoomUserEvent('user_status_changed', agent.accountId, {
      userId: agent.userId, displayName: agent.displayName, at: Date.now(),
      status, ...(previous ? { previous } : {}),
    }))
  }

  setLoggedIn(on: boolean): void {
    const agent = this.#agent()
    this.loggedIn = on
    const event: ZoomUserEvent = on ? 'user_login' : 'user_logout'
    this.#post(zoomUserEvent(event, agent.accountId, { userId: agent.userId, displayName: agent.displayName, at: Date.now() }))
  }

  #post(body: ZoomWebhookBody): void {
    if (!this.enabled || !this.#secret) return
    const secret = this.#secret
    this.#queue = this.#queue.then(() => this.#send(secret, body))
    this.#changed()
  }

  async #send(secret: string, body: ZoomWebhookBody): Promise<void> {
    const raw = JSON.stringify(body)
    const timestamp = String(Math.floor(Date.now() / 1000))
    this.#key ??= crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    const signature = `v0=${hex(await crypto.subtle.sign('HMAC', await this.#key, encoder.encode(`v0:${timestamp}:${raw}`)))}`
    let status = 0
    let outcome = 'network error'
    try {
      const res = await fetch(ZOOM_WEBHOOK_PATH, {
        method: 'POST', body: raw,
        headers: { 'content-type': 'application/json; charset=utf-8', 'x-zm-request-timestamp': timestamp, 'x-zm-signature': signature },
      })
      status = res.status
      const answer = (await res.json().catch(() => null)) as { outcome?: string; error?: { code?: string } } | null
      outcome = answer?.outcome ?? answer?.error?.code ?? `HTTP ${res.status}`
    } catch { /* logged as a network error */ }
    this.log.push({ seq: ++this.#seq, at: Date.now(), event: body.event.replace(/^contact_center\./, ''), status, outcome })
    if (this.log.length > LOG_SIZE) this.log.splice(0, this.log.length - LOG_SIZE)
    this.#changed()
  }

  /** Resolves when every webhook queued so far has been answered (tests). */
  settled(): Promise<void> {
    return this.#queue
  }

  #changed(): void {
    for (const fn of this.#listeners) fn()
  }
}
