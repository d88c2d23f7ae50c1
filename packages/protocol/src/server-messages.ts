/**
 * Server -> client messages ("down"). Names are facts. Not strict: clients parse them
 * tolerantly (unknown fields are ignored, unknown types are skipped).
 */
import Type, { type Static } from 'typebox'
import {
  AgentView, AlertThresholds, EngagementView, EpochMs, Id, OpId, Seq, SessionUser,
} from './common.ts'
import { ErrorCode } from './errors.ts'

export const Welcome = Type.Object({
  type: Type.Literal('welcome'),
  protocolVersion: Type.Integer(),
  sessionId: Type.String(),
  nodeId: Type.String(),
  serverTime: EpochMs,
  user: SessionUser,
  devSignIn: Type.Boolean(),
  limits: Type.Object({
    maxFrameBytes: Type.Integer(),
    opsPerSecond: Type.Number(),
    heartbeatMs: Type.Integer(),
  }),
})

export const Pong = Type.Object({ type: Type.Literal('pong'), t: EpochMs, serverTime: EpochMs })

/** The op is committed: it is log row `seq` of `engagementId`. `duplicate` when the opId was seen before. */
export const Ack = Type.Object({
  type: Type.Literal('ack'),
  opId: OpId,
  engagementId: Id,
  seq: Seq,
  duplicate: Type.Optional(Type.Boolean()),
})

/** A coded error. With `opId` it answers that op (which wrote nothing). */
export const ErrorMessage = Type.Object({
  type: Type.Literal('error'),
  code: ErrorCode,
  message: Type.String(),
  opId: Type.Optional(Type.String()),
  engagementId: Type.Optional(Type.String()),
  retryAfterMs: Type.Optional(Type.Integer({ minimum: 0 })),
})

/** Kinds of log rows. */
export const EventKind = Type.Union([
  Type.Literal('context'), Type.Literal('status'), Type.Literal('focus'), Type.Literal('variables'),
  Type.Literal('doc'), Type.Literal('whisper'), Type.Literal('whisper.read'), Type.Literal('help'),
])
export type EventKind = Static<typeof EventKind>

/**
 * One engagement log row. `data` depends on `kind`:
 * - context: `{ context }`; status: `{ changes }`; focus: `{ clientId }`; variables: `{ variables }`
 * - doc: `{}` with `update` (base64 Yjs update)
 * - whisper: `{ text, fromId, fromName }`; whisper.read: `{ whisperSeq }`; help: `{ raised, note? }`
 */
export const LogEvent = Type.Object({
  seq: Seq,
  kind: EventKind,
  actorId: Id,
  opId: Type.String(),
  at: EpochMs,
  data: Type.Record(Type.String(), Type.Unknown()),
  update: Type.Optional(Type.String()),
})
export type LogEvent = Static<typeof LogEvent>

/** Full state of one engagement: projection plus the notes document as one Yjs update. */
export const EngagementSnapshot = Type.Object({
  type: Type.Literal('engagement.snapshot'),
  engagementId: Id,
  seq: Seq,
  engagement: EngagementView,
  doc: Type.String({ description: 'base64 Y.encodeStateAsUpdate of the notes document at `seq`' }),
  /** Whispers of this engagement, oldest first, with read state. */
  whispers: Type.Array(Type.Object({
    seq: Seq, text: Type.String(), fromId: Id, fromName: Type.Union([Type.String(), Type.Null()]),
    at: EpochMs, readAt: Type.Union([EpochMs, Type.Null()]),
  })),
  reason: Type.Union([Type.Literal('subscribe'), Type.Literal('gap')]),
})

/** Log rows after the subscriber's last seq, in seq order, gap-free. */
export const EngagementEvents = Type.Object({
  type: Type.Literal('engagement.events'),
  engagementId: Id,
  events: Type.Array(LogEvent),
})

/** The projection of one engagement changed (sent to that agent's sessions). */
export const EngagementChanged = Type.Object({
  type: Type.Literal('engagement.changed'),
  engagement: EngagementView,
})

/**
 * The engagement was erased (retention period over, or an admin's erasure): the server holds
 * nothing of it any more and stops sending it; drop every local copy (notes, outbox, views).
 */
export const EngagementErased = Type.Object({
  type: Type.Literal('engagement.erased'),
  engagementId: Id,
})

/** Sent to agent sessions after `welcome`: the agent's open engagements. */
export const AgentEngagements = Type.Object({
  type: Type.Literal('agent.engagements'),
  engagements: Type.Array(EngagementView),
})

export const BoardSnapshot = Type.Object({
  type: Type.Literal('board.snapshot'),
  serverTime: EpochMs,
  engagements: Type.Array(EngagementView),
  agents: Type.Array(AgentView),
  thresholds: AlertThresholds,
})

/** Coalesced changes since the previous board frame (at most one per board per tick). */
export const BoardDelta = Type.Object({
  type: Type.Literal('board.delta'),
  serverTime: EpochMs,
  engagements: Type.Array(EngagementView),
  removedEngagements: Type.Array(Id),
  agents: Type.Array(AgentView),
  thresholds: Type.Optional(AlertThresholds),
})

/**
 * Operational notices: saving delayed while the database is unreachable, and resumed; the server
 * going away; the user's role changed (it applies to this socket from the next message on).
 */
export const Notice = Type.Object({
  type: Type.Literal('notice'),
  code: Type.Union([
    Type.Literal('saving-delayed'), Type.Literal('saving-resumed'), Type.Literal('going-away'), Type.Literal('role-changed'),
  ]),
  message: Type.String(),
})

/**
 * Several messages for one socket that the server produced together (a commit's acks, the rows
 * and projections it fanned out): one frame instead of one per message. Handle `messages` in
 * order, each as if it had come alone; each is checked on its own (one a client cannot read is
 * skipped, not the whole batch). A batch never holds another batch. Servers send it to clients
 * that said protocol version 5 or later in hello; a message alone still comes as itself.
 */
export const Batch = Type.Object({
  type: Type.Literal('batch'),
  messages: Type.Array(Type.Object({ type: Type.String() })),
})

/**
 * The messages one server frame carries, in order: a `batch` frame's, or the frame itself. For
 * clients that read frames without the sync client (tests, tools).
 */
export function messagesOf<T extends { type: string }>(frame: T): T[] {
  const inner = frame.type === 'batch' ? (frame as { messages?: unknown }).messages : undefined
  return Array.isArray(inner) ? inner as T[] : [frame]
}

export const ServerMessage = Type.Union([
  Welcome, Pong, Ack, ErrorMessage, EngagementSnapshot, EngagementEvents, EngagementChanged, EngagementErased,
  AgentEngagements, BoardSnapshot, BoardDelta, Notice, Batch,
])
export type ServerMessage = Static<typeof ServerMessage>
export type ServerMessageType = ServerMessage['type']
export type ServerMessageOf<T extends ServerMessageType> = Extract<ServerMessage, { type: T }>

export const serverMessageSchemas = {
  'welcome': Welcome,
  'pong': Pong,
  'ack': Ack,
  'error': ErrorMessage,
  'engagement.snapshot': EngagementSnapshot,
  'engagement.events': EngagementEvents,
  'engagement.changed': EngagementChanged,
  'engagement.erased': EngagementErased,
  'agent.engagements': AgentEngagements,
  'board.snapshot': BoardSnapshot,
  'board.delta': BoardDelta,
  'notice': Notice,
  'batch': Batch,
} as const satisfies Record<ServerMessageType, unknown>
