/**
 * Client -> server messages ("up"). Names are commands. Every mutation carries an `opId`
 * (UUIDv7 made on the client); the server acks `{opId, seq}` after commit and answers a
 * repeated `opId` with the first ack, writing nothing.
 *
 * These schemas are strict (`additionalProperties: false`): the server rejects unknown fields.
 */
import Type, { type Static } from 'typebox'
import {
  EngagementContext, EngagementStatusChanges, EngagementVariable, EpochMs, Id, OpId, Seq,
} from './common.ts'

const strict = { additionalProperties: false } as const

/** Largest base64 Yjs update accepted in one `doc.update` (the frame cap also applies). */
export const MAX_DOC_UPDATE_BASE64 = 48 * 1024

/** First message on every connection. Nothing else is accepted before it. */
export const Hello = Type.Object({
  type: Type.Literal('hello'),
  protocolVersion: Type.Integer({ minimum: 1 }),
  /** Stable id of this browser tab / client instance, so the server can tell sessions apart. */
  clientId: Type.String({ minLength: 1, maxLength: 64 }),
  /** 'agent' sessions report SDK events; 'board' and 'watch' sessions only read. */
  surface: Type.Union([Type.Literal('agent'), Type.Literal('supervisor'), Type.Literal('other')]),
}, strict)

/** App-level heartbeat (browsers cannot send WebSocket pings). */
export const Ping = Type.Object({ type: Type.Literal('ping'), t: EpochMs }, strict)

/**
 * Watch an engagement's log. The server replies with `engagement.snapshot` when `afterSeq`
 * is absent or too far behind, then `engagement.events` after `afterSeq`, then live rows.
 */
export const Subscribe = Type.Object({
  type: Type.Literal('subscribe'),
  engagementId: Id,
  afterSeq: Type.Optional(Seq),
}, strict)

export const Unsubscribe = Type.Object({ type: Type.Literal('unsubscribe'), engagementId: Id }, strict)

/** Supervisors: receive `board.snapshot` then coalesced `board.delta` frames. */
export const BoardSubscribe = Type.Object({ type: Type.Literal('board.subscribe') }, strict)
export const BoardUnsubscribe = Type.Object({ type: Type.Literal('board.unsubscribe') }, strict)

/** The agent app saw an engagement (launch or context change): its context and full status. */
export const EngagementObserve = Type.Object({
  type: Type.Literal('engagement.observe'),
  opId: OpId,
  engagementId: Id,
  context: EngagementContext,
  status: Type.Optional(EngagementStatusChanges),
  at: EpochMs,
}, strict)

/** `onEngagementStatusChange`: only the changed fields. `zoomTimestamp` is the event's own. */
export const EngagementStatus = Type.Object({
  type: Type.Literal('engagement.status'),
  opId: OpId,
  engagementId: Id,
  changes: EngagementStatusChanges,
  zoomTimestamp: Type.Optional(EpochMs),
  at: EpochMs,
}, strict)

/** Which engagement this session shows now (`onEngagementContextChange`). */
export const EngagementFocus = Type.Object({
  type: Type.Literal('engagement.focus'),
  opId: OpId,
  engagementId: Id,
  at: EpochMs,
}, strict)

/** Engagement variables (launch read or `onEngagementVariableValueChange`). */
export const EngagementVariables = Type.Object({
  type: Type.Literal('engagement.variables'),
  opId: OpId,
  engagementId: Id,
  variables: Type.Array(EngagementVariable, { maxItems: 100 }),
  zoomTimestamp: Type.Optional(EpochMs),
  at: EpochMs,
}, strict)

/** A Yjs update to the engagement's notes document (notes text + wrap-up fields), base64. */
export const DocUpdate = Type.Object({
  type: Type.Literal('doc.update'),
  opId: OpId,
  engagementId: Id,
  update: Type.String({ minLength: 1, maxLength: MAX_DOC_UPDATE_BASE64, pattern: '^[A-Za-z0-9+/]*={0,2}$' }),
}, strict)

/** An agent raises or clears "ask for help" on one of their engagements. */
export const HelpSet = Type.Object({
  type: Type.Literal('help.set'),
  opId: OpId,
  engagementId: Id,
  raised: Type.Boolean(),
  note: Type.Optional(Type.String({ maxLength: 500 })),
}, strict)

/** Supervisors: a private text to the agent of an engagement. */
export const WhisperSend = Type.Object({
  type: Type.Literal('whisper.send'),
  opId: OpId,
  engagementId: Id,
  text: Type.String({ minLength: 1, maxLength: 2000 }),
}, strict)

/** The agent read a whisper (by the log seq of the whisper row). */
export const WhisperRead = Type.Object({
  type: Type.Literal('whisper.read'),
  opId: OpId,
  engagementId: Id,
  whisperSeq: Type.Integer({ minimum: 1 }),
}, strict)

export const ClientMessage = Type.Union([
  Hello, Ping, Subscribe, Unsubscribe, BoardSubscribe, BoardUnsubscribe,
  EngagementObserve, EngagementStatus, EngagementFocus, EngagementVariables,
  DocUpdate, HelpSet, WhisperSend, WhisperRead,
])
export type ClientMessage = Static<typeof ClientMessage>
export type ClientMessageType = ClientMessage['type']

/** Each client message schema by its `type`, for one-step lookup at the socket edge. */
export const clientMessageSchemas = {
  'hello': Hello,
  'ping': Ping,
  'subscribe': Subscribe,
  'unsubscribe': Unsubscribe,
  'board.subscribe': BoardSubscribe,
  'board.unsubscribe': BoardUnsubscribe,
  'engagement.observe': EngagementObserve,
  'engagement.status': EngagementStatus,
  'engagement.focus': EngagementFocus,
  'engagement.variables': EngagementVariables,
  'doc.update': DocUpdate,
  'help.set': HelpSet,
  'whisper.send': WhisperSend,
  'whisper.read': WhisperRead,
} as const satisfies Record<ClientMessageType, unknown>

/** Messages that mutate state: they carry `opId` and are acked after commit. */
export type ClientOp = Extract<ClientMessage, { opId: string }>
export const OP_TYPES = [
  'engagement.observe', 'engagement.status', 'engagement.focus', 'engagement.variables',
  'doc.update', 'help.set', 'whisper.send', 'whisper.read',
] as const satisfies readonly ClientOp['type'][]

/** Who may send what (checked per message, not only at connect). */
export const SUPERVISOR_ONLY: readonly ClientMessageType[] = ['board.subscribe', 'board.unsubscribe', 'whisper.send']
export const AGENT_OWN_ENGAGEMENT_ONLY: readonly ClientMessageType[] = [
  'engagement.observe', 'engagement.status', 'engagement.focus', 'engagement.variables',
  'doc.update', 'help.set', 'whisper.read',
]
