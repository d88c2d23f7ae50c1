import Type, { type Static } from 'typebox'

/** Zoom ids (engagement, user, account, queue): opaque, bounded strings. */
export const Id = Type.String({ minLength: 1, maxLength: 128 })

/** A client operation id: a UUID (v7 by convention), unique per sender. */
export const OpId = Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' })

/** Epoch milliseconds. */
export const EpochMs = Type.Number({ minimum: 0, maximum: 8.64e15 })

export const Seq = Type.Integer({ minimum: 0 })

export const EngagementState = Type.Union([
  Type.Literal('active'),
  Type.Literal('inactive'),
  Type.Literal('wrap-up'),
  Type.Literal('end'),
])
export type EngagementState = Static<typeof EngagementState>

/** voice | video | messaging | email today; kept open because Zoom may add channels. */
export const Channel = Type.String({ minLength: 1, maxLength: 32 })

export const EngagementSource = Type.Union([Type.Literal('app'), Type.Literal('webhook'), Type.Literal('rest')])
export type EngagementSource = Static<typeof EngagementSource>

export const Role = Type.Union([Type.Literal('agent'), Type.Literal('supervisor'), Type.Literal('admin')])
export type Role = Static<typeof Role>

const ShortText = Type.String({ maxLength: 512 })

export const Consumer = Type.Object({
  consumerId: Type.Optional(ShortText),
  consumerDisplayName: Type.Optional(ShortText),
  consumerNumber: Type.Optional(ShortText),
  consumerEmail: Type.Optional(ShortText),
}, { additionalProperties: false })
export type Consumer = Static<typeof Consumer>

/** `getEngagementContext().engagementContext`: fixed for the engagement's lifetime. */
export const EngagementContext = Type.Object({
  engagementId: Id,
  startTime: Type.Optional(Type.Union([EpochMs, ShortText])),
  acceptTime: Type.Optional(Type.Union([EpochMs, ShortText])),
  queueId: Type.Optional(ShortText),
  queueName: Type.Optional(ShortText),
  isTransfer: Type.Optional(Type.Boolean()),
  transferType: Type.Optional(ShortText),
  transferFromAgentId: Type.Optional(ShortText),
  transferFromAgentName: Type.Optional(ShortText),
}, { additionalProperties: false })
export type EngagementContext = Static<typeof EngagementContext>

/** `getEngagementStatus().engagementStatus` fields; in change events only the changed ones are present. */
export const EngagementStatusFields = {
  state: Type.Optional(EngagementState),
  channel: Type.Optional(Channel),
  source: Type.Optional(ShortText),
  isConference: Type.Optional(Type.Boolean()),
  assignedAgentId: Type.Optional(ShortText),
  assignedAgentName: Type.Optional(ShortText),
  endTime: Type.Optional(Type.Union([EpochMs, ShortText])),
  consumers: Type.Optional(Type.Array(Consumer, { maxItems: 50 })),
}
export const EngagementStatusChanges = Type.Object(EngagementStatusFields, { additionalProperties: false })
export type EngagementStatusChanges = Static<typeof EngagementStatusChanges>

export const EngagementVariable = Type.Object({
  id: ShortText,
  name: Type.Optional(ShortText),
  value: Type.Union([Type.String({ maxLength: 4096 }), Type.Number(), Type.Boolean(), Type.Null()]),
}, { additionalProperties: false })
export type EngagementVariable = Static<typeof EngagementVariable>

/** Wrap-up fields kept in the engagement's notes document. */
export const Wrapup = Type.Object({
  disposition: Type.Optional(Type.String({ maxLength: 256 })),
  tags: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 })),
  summary: Type.Optional(Type.String({ maxLength: 10000 })),
})
export type Wrapup = Static<typeof Wrapup>

export const HelpFlag = Type.Object({
  raisedBy: Id,
  raisedByName: Type.Optional(Type.String()),
  at: EpochMs,
  note: Type.Optional(Type.String({ maxLength: 500 })),
})
export type HelpFlag = Static<typeof HelpFlag>

/** The projection of one engagement, as boards, agent sessions and REST see it. */
export const EngagementView = Type.Object({
  id: Id,
  agentId: Id,
  agentName: Type.Optional(Type.String()),
  state: Type.Union([EngagementState, Type.Null()]),
  channel: Type.Union([Type.String(), Type.Null()]),
  source: Type.Union([Type.String(), Type.Null()]),
  queueId: Type.Union([Type.String(), Type.Null()]),
  queueName: Type.Union([Type.String(), Type.Null()]),
  isConference: Type.Boolean(),
  isTransfer: Type.Boolean(),
  transfer: Type.Union([Type.Object({
    type: Type.Optional(Type.String()),
    fromAgentId: Type.Optional(Type.String()),
    fromAgentName: Type.Optional(Type.String()),
  }), Type.Null()]),
  consumers: Type.Array(Consumer),
  variables: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])),
  startedAt: Type.Union([EpochMs, Type.Null()]),
  acceptedAt: Type.Union([EpochMs, Type.Null()]),
  stateSince: Type.Union([EpochMs, Type.Null()]),
  wrapupStartedAt: Type.Union([EpochMs, Type.Null()]),
  endedAt: Type.Union([EpochMs, Type.Null()]),
  handleMs: Type.Union([Type.Number(), Type.Null()]),
  wrapupMs: Type.Union([Type.Number(), Type.Null()]),
  help: Type.Union([HelpFlag, Type.Null()]),
  notesPreview: Type.String(),
  /**
   * Where it is known from: `app` (the agent app reported or showed it), `webhook` (Zoom's event
   * notifications), `rest` (Zoom's REST API). Without `app`, no agent app follows it.
   */
  sources: Type.Optional(Type.Array(EngagementSource)),
  lastSeq: Seq,
  updatedAt: EpochMs,
})
export type EngagementView = Static<typeof EngagementView>

/** An agent's Zoom Contact Center status (user_status_changed, login/logout, the REST users list). */
export const ContactCenterStatus = Type.Object({
  /** Zoom's status name: Ready, Not Ready, Occupied, Offline (null when only login/logout is known). */
  status: Type.Union([Type.String(), Type.Null()]),
  statusId: Type.Union([Type.String(), Type.Null()]),
  /** The reason under Not Ready (Break, Meal, ...), as Zoom names it. */
  subStatus: Type.Union([Type.String(), Type.Null()]),
  subStatusId: Type.Union([Type.String(), Type.Null()]),
  /** Since when (Zoom's time of the report), epoch ms. */
  since: Type.Union([EpochMs, Type.Null()]),
  /** Logged in to Contact Center (user_login/user_logout), null when not reported. */
  loggedIn: Type.Union([Type.Boolean(), Type.Null()]),
})
export type ContactCenterStatus = Static<typeof ContactCenterStatus>

/** One agent on a supervisor's roster. */
export const AgentView = Type.Object({
  id: Id,
  displayName: Type.Union([Type.String(), Type.Null()]),
  role: Role,
  online: Type.Boolean(),
  sessions: Type.Integer({ minimum: 0 }),
  focusEngagementId: Type.Union([Id, Type.Null()]),
  openEngagements: Type.Integer({ minimum: 0 }),
  lastActivityAt: Type.Union([EpochMs, Type.Null()]),
  /** Zoom Contact Center status, when Zoom reported one; `online` is whether the app is open. */
  contactCenter: Type.Optional(Type.Union([ContactCenterStatus, Type.Null()])),
})
export type AgentView = Static<typeof AgentView>

/** Per-account alert thresholds in milliseconds (0 disables one). */
export const AlertThresholds = Type.Object({
  handleMs: Type.Integer({ minimum: 0, maximum: 86_400_000 }),
  wrapupMs: Type.Integer({ minimum: 0, maximum: 86_400_000 }),
  inactiveMs: Type.Integer({ minimum: 0, maximum: 86_400_000 }),
}, { additionalProperties: false })
export type AlertThresholds = Static<typeof AlertThresholds>

export const SessionUser = Type.Object({
  id: Id,
  accountId: Id,
  role: Role,
  displayName: Type.Union([Type.String(), Type.Null()]),
})
export type SessionUser = Static<typeof SessionUser>
