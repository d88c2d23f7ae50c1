/**
 * The engagement projection as the domain sees it (times in epoch ms), the log events that
 * build it, who acts, and the commands ops carry. Shapes come from the protocol's schemas.
 */
import type { ClientOp, EngagementSource, EngagementView, ErrorCode, EventKind, LogEvent, Role, SessionUser } from '@switchboard/protocol'

/**
 * The projection as the server holds it: the protocol's `EngagementView` plus the account it
 * belongs to (never sent: clients only see their own account). `agentName` is joined from
 * `users` when read, null when unknown.
 */
export interface Engagement extends Omit<EngagementView, 'agentName' | 'sources'> {
  accountId: string
  agentName?: string | null
  /** Where its facts were reported from (the app, Zoom's webhooks, Zoom's REST API). */
  sources: EngagementSource[]
}

export type { EngagementSource }
export const ENGAGEMENT_SOURCES: readonly EngagementSource[] = ['app', 'webhook', 'rest']

export type { EventKind } from '@switchboard/protocol'

/** One log row before it gets its seq. `data` is what `LogEvent.data` carries on the wire. */
export interface NewEvent {
  kind: EventKind
  data: Record<string, unknown>
  /** Same key => same fact: the second report is a duplicate (see `dedupKey`). */
  dedupKey: string | null
  /** base64 Yjs update, for kind 'doc'. */
  update?: string
}

/**
 * Where an op came from: the agent app's SDK reports and edits over a socket, or facts Zoom
 * reported to the server (signed webhooks, the REST backfill), which `decideZoom` rules on.
 */
export type ActorSource = 'sdk' | 'webhook' | 'rest'

/** The user id of facts Zoom reports about an engagement as a whole, naming no user. */
export const ZOOM_ACTOR_ID = 'zoom'

/** Who an op acts for; the account and role come from a signed session or a verified webhook. */
export interface Actor {
  accountId: string
  userId: string
  role: Role
  displayName: string | null
  source: ActorSource
}

/** The actor a signed-in user's requests act as. */
export function actorOf(user: SessionUser, source: ActorSource = 'sdk'): Actor {
  return { accountId: user.accountId, userId: user.id, role: user.role, displayName: user.displayName, source }
}

/** A client op without its op id: what the domain rules decide on (the protocol's `ClientOp`). */
export type Command = ClientOp extends infer O ? (O extends ClientOp ? Omit<O, 'opId'> : never) : never

/** What `decide` (and `decideZoom`) rule on: the locked projection, who acts, when, from which session. */
export interface DecideInput {
  /** The engagement as locked in the current transaction; null when it does not exist. */
  engagement: Engagement | null
  actor: Actor
  now: number
  /** The socket session the op came from (focus is per session); absent for other sources. */
  session?: { clientId: string | null; focus: string | null }
}

/** The events an op decides (none: a duplicate of what is shown), or the code it is refused with. */
export type Decision =
  | { ok: true; events: NewEvent[]; creates?: boolean; takeover?: boolean }
  | { ok: false; code: ErrorCode }

export function emptyEngagement(accountId: string, id: string, agentId: string, now: number): Engagement {
  return {
    accountId, id, agentId,
    state: null, channel: null, source: null, queueId: null, queueName: null,
    isConference: false, isTransfer: false, transfer: null, consumers: [], variables: {},
    startedAt: null, acceptedAt: null, stateSince: null, wrapupStartedAt: null, endedAt: null,
    handleMs: null, wrapupMs: null, help: null, notesPreview: '', sources: [], lastSeq: 0, updatedAt: now,
  }
}

/** The key of an engagement in maps and caches: account and engagement id. */
export function key(accountId: string, engagementId: string): string {
  return `${accountId}\u0000${engagementId}`
}

/** A log row with its seq, as committed (times epoch ms). */
export interface LogRow {
  accountId: string
  engagementId: string
  seq: number
  kind: EventKind
  actorId: string
  opId: string
  dedupKey: string | null
  data: Record<string, unknown>
  update?: string
  at: number
}

/** The projection as clients see it (without the account). */
export function toView(e: Engagement): EngagementView {
  const { accountId: _a, agentName, ...rest } = e
  return agentName ? { ...rest, agentName } : rest
}

/** A log row as clients see it. */
export function toLogEvent(r: LogRow): LogEvent {
  const ev: LogEvent = { seq: r.seq, kind: r.kind, actorId: r.actorId, opId: r.opId, at: r.at, data: r.data }
  if (r.update !== undefined) ev.update = r.update
  return ev
}

/** One reading of Zoom's times for the server and the clients (`@switchboard/protocol`). */
export { toEpochMs } from '@switchboard/protocol'
