/**
 * From a Zoom Contact Center event to what Switchboard does with it: an engagement op for the
 * same writer and domain rules as the agent app's SDK ops, or a change of an agent's Contact
 * Center status. Pure. The mapping (docs/zoom-webhooks.md explains each choice):
 *
 * | event                          | op                    | state      | fields                                   |
 * | engagement_started             | observe (fill only)   | —          | startedAt, channel, source               |
 * | engagement_user_answered       | observe by the agent  | active     | acceptedAt, queue, channel, source, consumers; creates the engagement, or takes it over (transfer) |
 * | engagement_transfer_completed  | observe by the target | active     | isTransfer, transfer {type, from}, target queue |
 * | engagement_user_hold / _unhold | observe by the agent  | inactive / active | (creates it if the answer was lost) |
 * | engagement_user_ended          | observe by the agent  | wrap-up    |                                          |
 * | engagement_wrap_up_started     | observe by the agent  | wrap-up    |                                          |
 * | engagement_wrap_up_ended       | observe by the agent  | end        | endedAt                                  |
 * | engagement_disposition_added   | variables by the agent| —          | variable `zoom.disposition`              |
 * | engagement_ended               | status by Zoom        | end        | endedAt                                  |
 * | user_status_changed            | agent status          | —          | status, sub-status                       |
 * | user_login / user_logout       | agent status          | —          | logged in / out                          |
 *
 * Times are Zoom's (`date_time_ms`), so a late or retried delivery keeps the real times.
 */
import type { Consumer, EngagementContext, EngagementStatusChanges } from '@switchboard/protocol'
import { ZOOM_CHANNEL_SOURCES, ZOOM_EVENT_PREFIX } from '@switchboard/protocol/zoom-webhooks'
import type { Command } from '../domain/engagement/model.ts'
import { factTime, isEngagementEvent, knownEvent, str, type Envelope } from './events.ts'

/** Who an op is by: the Zoom user it is about, or Zoom itself for engagement-level events. */
export interface ZoomActor {
  userId: string | null
  displayName: string | null
}

export interface UserStatusChange {
  at: number
  status?: { id: string | null; name: string | null; subId: string | null; subName: string | null }
  loggedIn?: boolean
}

export type Mapped =
  | { kind: 'engagement'; engagementId: string; actor: ZoomActor; cmd: Command }
  | { kind: 'user'; userId: string; displayName: string | null; email: string | null; change: UserStatusChange }
  | { kind: 'unknown'; event: string }
  /** A known event that, as sent, changes nothing Switchboard shows. */
  | { kind: 'ignored'; reason: string }
  | { kind: 'unusable'; problem: string }

/** The variable a Zoom disposition is kept in (the board and timeline show variables). */
export const DISPOSITION_VARIABLE = 'zoom.disposition'

export function sourceOf(channelSource: string | undefined): string | undefined {
  return channelSource === undefined ? undefined : ZOOM_CHANNEL_SOURCES[channelSource]
}

/** A consumer from Zoom's `consumer_*` fields (a webhook's object, or an item of REST's `consumers`). */
export function consumerOf(o: Record<string, unknown>): Consumer | null {
  const c: Consumer = {}
  const id = str(o, 'consumer_id')
  const name = str(o, 'consumer_display_name')
  const number = str(o, 'consumer_number')
  const email = str(o, 'consumer_email')
  if (id) c.consumerId = id
  if (name) c.consumerDisplayName = name
  if (number) c.consumerNumber = number
  if (email) c.consumerEmail = email
  return Object.keys(c).length > 0 ? c : null
}

function consumersOf(o: Record<string, unknown>): Consumer[] | undefined {
  const c = consumerOf(o)
  return c ? [c] : undefined
}

function put<T extends object, K extends keyof T>(o: T, k: K, v: T[K] | undefined): void {
  if (v !== undefined) o[k] = v
}

/** Channel, source and consumers, as the SDK's status would carry them. */
function statusFields(o: Record<string, unknown>): EngagementStatusChanges {
  const s: EngagementStatusChanges = {}
  const channel = str(o, 'channel')
  if (channel && channel.length <= 32) s.channel = channel
  put(s, 'source', sourceOf(str(o, 'channel_source')))
  put(s, 'consumers', consumersOf(o))
  return s
}

export interface MapOptions {
  /** Start time of the engagement, from its `engagement_started` delivery, when one came. */
  startedAt?: number | null
  /**
   * A newer answered/hold/unhold delivery of the engagement was already received: this
   * active/inactive report is old news (Zoom does not promise order) and sets no state.
   */
  stateSuperseded?: boolean
}

/** Events whose state (active/inactive) a newer one of them supersedes (full names). */
export const STATE_EVENTS: readonly string[] = ['engagement_user_answered', 'engagement_user_hold', 'engagement_user_unhold']
  .map((e) => ZOOM_EVENT_PREFIX + e)

export function mapEvent(e: Envelope, opts: MapOptions = {}): Mapped {
  const name = knownEvent(e.event)
  if (!name) return { kind: 'unknown', event: e.event }
  const o = e.object
  const at = factTime(e)
  const userId = str(o, 'user_id') ?? null
  if (!isEngagementEvent(name)) {
    if (!userId) return { kind: 'unusable', problem: `${e.event} without payload.object.user_id` }
    const base = { kind: 'user' as const, userId, displayName: str(o, 'display_name') ?? null, email: str(o, 'user_email') ?? null }
    if (name === 'user_login') return { ...base, change: { at, loggedIn: true } }
    if (name === 'user_logout') return { ...base, change: { at, loggedIn: false } }
    return {
      ...base,
      change: {
        at,
        status: {
          id: str(o, 'current_status_id') ?? null, name: str(o, 'current_status_name') ?? null,
          subId: str(o, 'current_sub_status_id') ?? null, subName: str(o, 'current_sub_status_name') ?? null,
        },
      },
    }
  }

  const engagementId = str(o, 'engagement_id')
  if (!engagementId || engagementId.length > 128) return { kind: 'unusable', problem: `${e.event} without payload.object.engagement_id` }
  const agent: ZoomActor = { userId, displayName: str(o, 'user_display_name') ?? null }
  const zoom: ZoomActor = { userId: null, displayName: null }
  const unnamed: Mapped = { kind: 'unusable', problem: `${e.event} without payload.object.user_id` }
  /**
   * A state reported about the agent: an observe, so it creates the engagement when the answer
   * was lost or comes later (Zoom does not promise order), owned by that agent.
   */
  const agentState = (state: EngagementStatusChanges['state'], end = false): Mapped => {
    if (!userId) return unnamed
    const context: EngagementContext = { engagementId }
    put(context, 'queueId', str(o, 'cc_queue_id'))
    put(context, 'queueName', str(o, 'queue_name'))
    const s: EngagementStatusChanges = opts.stateSuperseded && (state === 'active' || state === 'inactive') ? statusFields(o) : { state, ...statusFields(o) }
    if (end) s.endTime = at
    return { kind: 'engagement', engagementId, actor: agent, cmd: { type: 'engagement.observe', engagementId, context, status: s, at } }
  }

  switch (name) {
    case 'engagement_started': {
      const context: EngagementContext = { engagementId, startTime: at }
      return { kind: 'engagement', engagementId, actor: zoom, cmd: { type: 'engagement.observe', engagementId, context, status: statusFields(o), at } }
    }
    case 'engagement_user_answered': {
      if (!userId) return unnamed
      const context: EngagementContext = { engagementId, acceptTime: at }
      if (opts.startedAt) context.startTime = opts.startedAt
      put(context, 'queueId', str(o, 'cc_queue_id'))
      put(context, 'queueName', str(o, 'queue_name'))
      const s: EngagementStatusChanges = { ...(opts.stateSuperseded ? {} : { state: 'active' as const }), ...statusFields(o), assignedAgentId: userId }
      put(s, 'assignedAgentName', agent.displayName ?? undefined)
      return { kind: 'engagement', engagementId, actor: agent, cmd: { type: 'engagement.observe', engagementId, context, status: s, at } }
    }
    case 'engagement_transfer_completed': {
      const target = str(o, 'transfer_to_user_id')
      // A transfer to a queue or a flow names no agent yet: the answer that follows does.
      if (!target) return { kind: 'ignored', reason: 'transfer to a queue or flow' }
      const context: EngagementContext = { engagementId, isTransfer: true }
      put(context, 'transferType', str(o, 'transfer_type'))
      put(context, 'transferFromAgentId', userId ?? undefined)
      put(context, 'transferFromAgentName', agent.displayName ?? undefined)
      put(context, 'queueId', str(o, 'transfer_to_cc_queue_id') ?? str(o, 'cc_queue_id'))
      put(context, 'queueName', str(o, 'transfer_to_queue_name') ?? str(o, 'queue_name'))
      const targetName = str(o, 'transfer_to_user_display_name')
      const s: EngagementStatusChanges = { state: 'active', assignedAgentId: target }
      put(s, 'assignedAgentName', targetName)
      return {
        kind: 'engagement', engagementId, actor: { userId: target, displayName: targetName ?? null },
        cmd: { type: 'engagement.observe', engagementId, context, status: s, at },
      }
    }
    case 'engagement_user_hold': return agentState('inactive')
    case 'engagement_user_unhold': return agentState('active')
    case 'engagement_user_ended': return agentState('wrap-up')
    case 'engagement_wrap_up_started': return agentState('wrap-up')
    case 'engagement_wrap_up_ended': return agentState('end', true)
    case 'engagement_ended': {
      const changes: EngagementStatusChanges = { state: 'end', endTime: at }
      return { kind: 'engagement', engagementId, actor: zoom, cmd: { type: 'engagement.status', engagementId, changes, zoomTimestamp: at, at } }
    }
    case 'engagement_disposition_added': {
      const value = str(o, 'disposition_name') ?? str(o, 'disposition_id')
      if (!userId || !value) return { kind: 'unusable', problem: `${e.event} without user_id or disposition_name` }
      return {
        kind: 'engagement', engagementId, actor: agent,
        cmd: { type: 'engagement.variables', engagementId, variables: [{ id: DISPOSITION_VARIABLE, name: 'Disposition', value }], zoomTimestamp: at, at },
      }
    }
  }
}
