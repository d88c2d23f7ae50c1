/**
 * From Zoom's REST lists to the same ops and agent changes as the webhooks (pure). Used by the
 * backfill: engagements that ended while no webhook reached us (the server or database was
 * down, or Zoom gave up retrying), and the agents' status.
 *
 * `GET /contact_center/engagements` lists an engagement only after it finished processing
 * (Zoom's docs), so each item maps to its final facts: an observe by its last agent with the
 * start, queue, channel, consumer and the end; an earlier agent is recorded as the transfer's
 * origin; its disposition as the `zoom.disposition` variable. Items without an agent (abandoned
 * in a queue) or without an end are skipped: nobody owns them, or webhooks will report them.
 */
import type { Consumer, EngagementContext, EngagementStatusChanges } from '@switchboard/protocol'
import type { Command } from '../domain/engagement/model.ts'
import { str } from './events.ts'
import { consumerOf, DISPOSITION_VARIABLE, sourceOf, type UserStatusChange, type ZoomActor } from './mapping.ts'
import type { ZoomUser } from './user-status.ts'

export interface RestEngagementOps {
  engagementId: string
  /** Zoom's start time, epoch ms (the backfill remembers the newest it saw). */
  startedAt: number | null
  endedAt: number
  actor: ZoomActor
  /** Agents it names (they get a user row, so the board shows their names). */
  users: ZoomUser[]
  commands: Command[]
}

function arr(o: Record<string, unknown>, k: string): Record<string, unknown>[] {
  const v = o[k]
  return Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null) : []
}

function time(o: Record<string, unknown>, k: string): number | null {
  const v = o[k]
  const t = typeof v === 'string' ? Date.parse(v) : NaN
  return Number.isFinite(t) ? t : null
}

export function mapRestEngagement(item: Record<string, unknown>): RestEngagementOps | null {
  const engagementId = str(item, 'engagement_id')
  if (!engagementId || engagementId.length > 128) return null
  const agents = arr(item, 'agents').filter((a) => str(a, 'user_id'))
  const endedAt = time(item, 'end_time')
  const last = agents[agents.length - 1]
  if (!last || endedAt === null) return null
  const userId = str(last, 'user_id')!
  const actor: ZoomActor = { userId, displayName: str(last, 'display_name') ?? null }
  const startedAt = time(item, 'start_time')

  const context: EngagementContext = { engagementId }
  if (startedAt !== null) context.startTime = startedAt
  const queue = arr(item, 'queues').at(-1)
  if (queue) {
    const id = str(queue, 'cc_queue_id') ?? str(queue, 'queue_id')
    if (id) context.queueId = id
    const name = str(queue, 'queue_name')
    if (name) context.queueName = name
  }
  const before = agents.length > 1 ? agents[agents.length - 2] : undefined
  if (before && str(before, 'user_id') !== userId) {
    context.isTransfer = true
    context.transferFromAgentId = str(before, 'user_id')!
    const name = str(before, 'display_name')
    if (name) context.transferFromAgentName = name
  }
  const status: EngagementStatusChanges = { state: 'end', endTime: endedAt, assignedAgentId: userId }
  if (actor.displayName) status.assignedAgentName = actor.displayName
  const channel = arr(item, 'channels')[0]
  if (channel) {
    const c = str(channel, 'channel')
    if (c && c.length <= 32) status.channel = c
    const s = sourceOf(str(channel, 'channel_source'))
    if (s) status.source = s
  }
  const consumers = arr(item, 'consumers').slice(0, 10).map(consumerOf).filter((c): c is Consumer => c !== null)
  if (consumers.length > 0) status.consumers = consumers

  const commands: Command[] = [{ type: 'engagement.observe', engagementId, context, status, at: endedAt }]
  const disposition = arr(item, 'dispositions').at(-1)
  const dispositionName = disposition ? str(disposition, 'disposition_name') : undefined
  if (dispositionName) {
    commands.push({ type: 'engagement.variables', engagementId, variables: [{ id: DISPOSITION_VARIABLE, name: 'Disposition', value: dispositionName }], at: endedAt })
  }
  const users: ZoomUser[] = agents.map((a) => ({ id: str(a, 'user_id')!, displayName: str(a, 'display_name') ?? null, email: null }))
  return { engagementId, startedAt, endedAt, actor, users, commands }
}

/** An agent from `GET /contact_center/users`, with the status it shows now. */
export function mapRestUser(item: Record<string, unknown>, now: number): { user: ZoomUser; change: UserStatusChange } | null {
  const id = str(item, 'user_id')
  if (!id || id.length > 128) return null
  const user: ZoomUser = { id, displayName: str(item, 'display_name') ?? null, email: str(item, 'user_email') ?? null }
  const name = str(item, 'status_name') ?? null
  const statusId = str(item, 'status_id') ?? null
  if (name === null && statusId === null) return { user, change: { at: now } }
  return {
    user,
    change: { at: now, status: { id: statusId, name, subId: str(item, 'sub_status_id') ?? null, subName: str(item, 'sub_status_name') ?? null } },
  }
}
