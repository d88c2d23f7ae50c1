/**
 * decide() for facts Zoom reports to the server (signed webhooks, REST backfill): the same
 * commands, log rows and projection as the agent app's SDK ops, with rules of their own where
 * Zoom's view differs from an agent's:
 *
 * - Zoom is authoritative for its account: no session, so no role check. An op names the user it
 *   is about (`actor.userId`), or Zoom itself (`ZOOM_ACTOR_ID`) for facts about the whole engagement.
 * - Creating: an observe naming a user creates the engagement, owned by that user. Zoom's facts
 *   naming no user (engagement_started, engagement_ended) never create one: nobody owns it yet.
 * - Ownership: an observe naming another user takes the engagement over only as evidence of a
 *   transfer (the user is the assigned agent, or the context says transfer); any other fact
 *   naming someone who is not the owner is about a previous agent or a participant and changes
 *   nothing.
 * - An ended engagement stays ended: a late, retried or backfilled report never reopens it and
 *   writes no row (a disposition may still be added).
 * - Fill, never overwrite: the app and Zoom describe fields differently (consumers, source), so
 *   Zoom's observe only fills fields the projection lacks. The state moves forward by evolve's
 *   rules. A report that changes nothing writes nothing: the same state change from the app and
 *   from Zoom is one row, whichever arrives first.
 * - Older news loses: Zoom does not promise order, so a hold/unhold that happened before the
 *   current state began (Zoom's time against `stateSince`) does not change it; wrap-up and end
 *   still move it forward whenever they arrive.
 */
import type { EngagementContext, EngagementStatusChanges } from '@switchboard/protocol'
import { dedupKey } from './dedup.ts'
import { evolve, projectionKey } from './evolve.ts'
import { ZOOM_ACTOR_ID, type Command, type DecideInput, type Decision, type Engagement, type NewEvent } from './model.ts'
import type { EngagementState } from '@switchboard/protocol'

const NONE: Decision = { ok: true, events: [] }

function changes(e: Engagement, ev: NewEvent, now: number): boolean {
  const next = evolve(e, { ...ev, seq: e.lastSeq + 1, actorId: e.agentId, at: now })
  return projectionKey(next) !== projectionKey(e)
}

/** The context fields the projection lacks. */
function fillContext(e: Engagement, c: EngagementContext): EngagementContext {
  const out: EngagementContext = { engagementId: c.engagementId }
  if (c.startTime !== undefined && e.startedAt === null) out.startTime = c.startTime
  if (c.acceptTime !== undefined && e.acceptedAt === null) out.acceptTime = c.acceptTime
  if (c.queueId !== undefined && e.queueId === null) out.queueId = c.queueId
  if (c.queueName !== undefined && e.queueName === null) out.queueName = c.queueName
  return out
}

const RANK: Record<EngagementState, number> = { 'active': 0, 'inactive': 0, 'wrap-up': 1, 'end': 2 }

/** A state Zoom reports, unless it happened before the current one began and would not move it forward. */
function newerState(e: Engagement, state: EngagementState | undefined, zoomAt: number | undefined): EngagementState | undefined {
  if (state === undefined || e.state === null || zoomAt === undefined || e.stateSince === null) return state
  if (zoomAt < e.stateSince && RANK[state] <= RANK[e.state]) return undefined
  return state
}

/** The status fields the projection lacks, and the state (which evolve only moves forward). */
function fillStatus(e: Engagement, s: EngagementStatusChanges | undefined, zoomAt: number | undefined): EngagementStatusChanges | undefined {
  if (!s) return undefined
  const out: EngagementStatusChanges = {}
  const state = newerState(e, s.state, zoomAt)
  if (state !== undefined) out.state = state
  if (s.endTime !== undefined) out.endTime = s.endTime
  if (s.channel !== undefined && e.channel === null) out.channel = s.channel
  if (s.source !== undefined && e.source === null) out.source = s.source
  if (s.consumers !== undefined && e.consumers.length === 0) out.consumers = s.consumers
  if (s.assignedAgentId !== undefined) out.assignedAgentId = s.assignedAgentId
  if (s.assignedAgentName !== undefined) out.assignedAgentName = s.assignedAgentName
  return Object.keys(out).length > 0 ? out : undefined
}

function zoomAtOf(cmd: Command): number | undefined {
  return 'at' in cmd ? cmd.at : undefined
}

/** The decision on a fact Zoom reported, or null for a command that is not one (decide() answers those). */
export function decideZoom(cmd: Command, input: DecideInput): Decision | null {
  const { engagement: e, actor, now } = input
  const byZoom = actor.userId === ZOOM_ACTOR_ID
  const meta: Record<string, unknown> = { source: actor.source }
  const zoomAt = zoomAtOf(cmd)
  if (zoomAt !== undefined) meta['zoomAt'] = zoomAt
  if (e && e.accountId !== actor.accountId) return { ok: false, code: 'NOT_FOUND' }

  switch (cmd.type) {
    case 'engagement.observe': {
      if (!e) {
        if (byZoom) return NONE
        const data: Record<string, unknown> = { context: cmd.context, ...meta }
        if (cmd.status) data['status'] = cmd.status
        return { ok: true, creates: true, events: [{ kind: 'context', data, dedupKey: null }] }
      }
      if (e.state === 'end') return NONE
      if (!byZoom && e.agentId !== actor.userId) {
        const transferredToThem = cmd.status?.assignedAgentId === actor.userId || cmd.context.isTransfer === true
        if (!transferredToThem) return NONE
        const context: EngagementContext = { ...cmd.context, isTransfer: true }
        if (context.transferFromAgentId === undefined) {
          context.transferFromAgentId = e.agentId
          if (e.agentName) context.transferFromAgentName = e.agentName
        }
        const data: Record<string, unknown> = { context, takeover: { fromAgentId: e.agentId }, ...meta }
        if (cmd.status) data['status'] = cmd.status
        return { ok: true, takeover: true, events: [{ kind: 'context', data, dedupKey: null }] }
      }
      const data: Record<string, unknown> = { context: fillContext(e, cmd.context), ...meta }
      const status = fillStatus(e, cmd.status, zoomAt)
      if (status) data['status'] = status
      const ev: NewEvent = { kind: 'context', data, dedupKey: null }
      return changes(e, ev, now) ? { ok: true, events: [ev] } : NONE
    }
    case 'engagement.status': {
      if (!e || e.state === 'end') return NONE
      if (!byZoom && e.agentId !== actor.userId) return NONE
      const reported: EngagementStatusChanges = { ...cmd.changes }
      const state = newerState(e, cmd.changes.state, zoomAt)
      if (state === undefined) delete reported.state
      const ev: NewEvent = {
        kind: 'status',
        data: { changes: reported, ...meta },
        // Keyed by the fact as reported (the writer looks prior rows up by the command's key).
        dedupKey: cmd.zoomTimestamp === undefined ? null : dedupKey(e.id, 'status', cmd.changes, cmd.zoomTimestamp),
      }
      return changes(e, ev, now) ? { ok: true, events: [ev] } : NONE
    }
    case 'engagement.variables': {
      if (!e) return NONE
      if (!byZoom && e.agentId !== actor.userId) return NONE
      const ev: NewEvent = {
        kind: 'variables',
        data: { variables: cmd.variables, ...meta },
        dedupKey: cmd.zoomTimestamp === undefined ? null : dedupKey(e.id, 'variables', cmd.variables, cmd.zoomTimestamp),
      }
      return changes(e, ev, now) ? { ok: true, events: [ev] } : NONE
    }
    default:
      return null
  }
}
