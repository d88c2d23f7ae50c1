/**
 * evolve(engagement, event) -> engagement: how each log row changes the projection.
 * Zoom may repeat or reorder status events, so the state only moves forward:
 * active <-> inactive, then wrap-up, then end (terminal). A transfer (takeover) reopens.
 * Rows Zoom reported to the server (`data.source`: webhook, rest) carry Zoom's own time of the
 * fact (`data.zoomAt`), used for the state times instead of the row's, so a late or retried
 * delivery keeps the real timeline.
 */
import type { EngagementContext, EngagementState, EngagementStatusChanges, EngagementVariable } from '@switchboard/protocol'
import { canonicalJson } from './dedup.ts'
import { ENGAGEMENT_SOURCES, toEpochMs, type Engagement, type EngagementSource, type NewEvent } from './model.ts'

export interface AppliedEvent extends NewEvent {
  seq: number
  actorId: string
  /** server time of the row, epoch ms */
  at: number
  actorName?: string | null
}

const RANK: Record<EngagementState, number> = { 'active': 0, 'inactive': 0, 'wrap-up': 1, 'end': 2 }

/** Where a row's facts come from: the app unless Zoom reported them (`data.source`). */
function sourceOf(ev: AppliedEvent): EngagementSource {
  const s = ev.data['source']
  return typeof s === 'string' && (ENGAGEMENT_SOURCES as readonly string[]).includes(s) ? (s as EngagementSource) : 'app'
}

/** The time a fact happened: Zoom's for facts Zoom reported (never after the row), else the row's. */
function factAt(ev: AppliedEvent): number {
  const z = ev.data['zoomAt']
  return typeof z === 'number' && Number.isFinite(z) && z > 0 ? Math.min(z, ev.at) : ev.at
}

export function evolve(e: Engagement, ev: AppliedEvent): Engagement {
  let next: Engagement = { ...e, lastSeq: Math.max(e.lastSeq, ev.seq), updatedAt: ev.at }
  // Facts about the engagement, and the app showing it (focus rows only ever come from the app).
  if (ev.kind === 'context' || ev.kind === 'status' || ev.kind === 'variables' || ev.kind === 'focus') {
    const source = sourceOf(ev)
    if (!next.sources.includes(source)) next.sources = [...next.sources, source]
  }
  const at = factAt(ev)
  switch (ev.kind) {
    case 'context': {
      const takeover = ev.data['takeover'] as { fromAgentId?: string } | undefined
      if (takeover) {
        next.agentId = ev.actorId
        next.agentName = ev.actorName ?? null
      }
      next = applyContext(next, ev.data['context'] as EngagementContext)
      const status = ev.data['status'] as EngagementStatusChanges | undefined
      if (status) next = applyStatus(next, status, at, Boolean(takeover))
      return next
    }
    case 'status':
      return applyStatus(next, ev.data['changes'] as EngagementStatusChanges, at, false)
    case 'variables': {
      const vars = { ...next.variables }
      for (const v of ev.data['variables'] as EngagementVariable[]) vars[v.id] = v.value
      next.variables = vars
      return next
    }
    case 'help':
      next.help = ev.data['raised']
        ? { raisedBy: ev.actorId, raisedByName: ev.actorName ?? undefined, at: ev.at, note: ev.data['note'] as string | undefined }
        : null
      if (next.help) next.help = stripUndefined(next.help)
      return next
    default:
      // focus, doc, whisper, whisper.read: log rows that do not change these fields
      // (notes preview is set by the notes projection).
      return next
  }
}

function applyContext(e: Engagement, c: EngagementContext): Engagement {
  const next = { ...e }
  next.startedAt = toEpochMs(c.startTime) ?? next.startedAt
  next.acceptedAt = toEpochMs(c.acceptTime) ?? next.acceptedAt
  if (c.queueId !== undefined) next.queueId = c.queueId
  if (c.queueName !== undefined) next.queueName = c.queueName
  if (c.isTransfer !== undefined) next.isTransfer = c.isTransfer
  if (c.isTransfer || c.transferType || c.transferFromAgentId) {
    next.transfer = stripUndefined({ type: c.transferType, fromAgentId: c.transferFromAgentId, fromAgentName: c.transferFromAgentName })
  }
  return withDurations(next)
}

function applyStatus(e: Engagement, s: EngagementStatusChanges, at: number, reopen: boolean): Engagement {
  const next = { ...e }
  if (s.channel !== undefined) next.channel = s.channel
  if (s.source !== undefined) next.source = s.source
  if (s.isConference !== undefined) next.isConference = s.isConference
  if (s.consumers !== undefined) next.consumers = s.consumers
  const endTime = toEpochMs(s.endTime)
  if (s.state !== undefined && s.state !== next.state) {
    const forward = next.state === null || reopen || RANK[s.state] >= RANK[next.state]
    if (forward) {
      if (reopen && RANK[s.state] === 0) {
        next.wrapupStartedAt = null
        next.endedAt = null
      }
      next.state = s.state
      next.stateSince = at
      if (s.state === 'active' && next.acceptedAt === null) next.acceptedAt = at
      if (s.state === 'wrap-up' && next.wrapupStartedAt === null) next.wrapupStartedAt = at
      if (s.state === 'end' && next.endedAt === null) next.endedAt = endTime ?? at
    }
  }
  if (endTime !== null && next.state === 'end') next.endedAt = endTime
  return withDurations(next)
}

/** handle = accepted (or started) -> wrap-up (or end); wrap-up = wrap-up -> end. */
function withDurations(e: Engagement): Engagement {
  const begin = e.acceptedAt ?? e.startedAt
  const stop = e.wrapupStartedAt ?? e.endedAt
  const handleMs = begin !== null && stop !== null ? Math.max(0, stop - begin) : null
  const wrapupMs = e.wrapupStartedAt !== null && e.endedAt !== null ? Math.max(0, e.endedAt - e.wrapupStartedAt) : null
  return handleMs === e.handleMs && wrapupMs === e.wrapupMs ? e : { ...e, handleMs, wrapupMs }
}

function stripUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k]
  return o
}

/**
 * The projection's content without bookkeeping fields: equal keys mean "nothing changed". Who
 * reported a fact (`sources`) is not content: the same state from the app and from a webhook is
 * one fact and one row, whichever came first.
 */
export function projectionKey(e: Engagement): string {
  const { lastSeq: _s, updatedAt: _u, stateSince: _ss, sources: _src, ...rest } = e
  return canonicalJson(rest)
}
