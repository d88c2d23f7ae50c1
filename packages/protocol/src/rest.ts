/**
 * REST bodies (requests strict, responses open like server messages). Errors use `HttpError`
 * from `errors.ts`. Routes are listed beside each schema.
 */
import Type, { type Static } from 'typebox'
import {
  AlertThresholds, Channel, EngagementView, EpochMs, Id, Role, SessionUser, Wrapup,
} from './common.ts'
import { LogEvent } from './server-messages.ts'

const strict = { additionalProperties: false } as const

// ---- sessions ---------------------------------------------------------------------------------

/** `POST /api/dev/sign-in` (only when dev sign-in is enabled). */
export const DevSignInRequest = Type.Object({
  accountId: Id,
  userId: Id,
  role: Role,
  displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
}, strict)
export type DevSignInRequest = Static<typeof DevSignInRequest>

/** `POST /api/session`: the encrypted Zoom app context from `getAppContext()`. */
export const SessionRequest = Type.Object({
  context: Type.String({ minLength: 1, maxLength: 8192 }),
}, strict)
export type SessionRequest = Static<typeof SessionRequest>

/**
 * Answer to sign-in and session: also sets the `sb_session` cookie. `wsToken` is a short-lived
 * token for `/ws?token=` (for webviews that do not send third-party cookies on upgrade).
 */
export const SessionResponse = Type.Object({
  user: SessionUser,
  wsToken: Type.String(),
  expiresAt: EpochMs,
})
export type SessionResponse = Static<typeof SessionResponse>

/**
 * `GET /api/session`: who am I, and a fresh `wsToken` for the next connect. 401
 * UNAUTHENTICATED / SESSION_EXPIRED when signed out; 403 ACCOUNT_NOT_CONNECTED while a Zoom user's
 * account is not yet bound (multi-tenant: in-client OAuth binds it).
 */
export const MeResponse = Type.Object({
  user: SessionUser,
  devSignIn: Type.Boolean(),
  wsToken: Type.String(),
  expiresAt: EpochMs,
})
export type MeResponse = Static<typeof MeResponse>

/** `GET /api/client-config` (no session needed): what the app asks Zoom for before signing in. */
export const ClientConfig = Type.Object({
  devSignIn: Type.Boolean(),
  /** In-client OAuth is on: the agent app adds `authorize`/`onAuthorized` to `config()`. */
  oauth: Type.Boolean(),
  /** `single`: every Zoom user belongs to ZOOM_ACCOUNT_ID; `multi`: bound through OAuth. */
  tenancy: Type.Union([Type.Literal('single'), Type.Literal('multi')]),
})
export type ClientConfig = Static<typeof ClientConfig>

/**
 * `POST /api/dev/zoom/app-context` (development only, like dev sign-in): an encrypted Zoom app
 * context for this Zoom user, made with the development client secret, as the Zoom client emulator
 * returns from `getAppContext()`. `connected: true` also binds the user to the account, the way dev
 * sign-in does; `false` unbinds them (they connect through in-client OAuth); absent changes nothing.
 */
export const DevAppContextRequest = Type.Object({
  accountId: Id,
  userId: Id,
  displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  connected: Type.Optional(Type.Boolean()),
}, strict)
export type DevAppContextRequest = Static<typeof DevAppContextRequest>
export const DevAppContextResponse = Type.Object({ context: Type.String() })
export type DevAppContextResponse = Static<typeof DevAppContextResponse>

/**
 * `POST /api/dev/zoom/authorize` (development only): the consent the emulator's user gave to
 * `authorize()`; answers the authorization code the development Zoom stand-in exchanges.
 */
export const DevAuthorizeRequest = Type.Object({
  accountId: Id,
  userId: Id,
  displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  codeChallenge: Type.String({ minLength: 43, maxLength: 128 }),
  redirectUri: Type.String({ minLength: 1, maxLength: 2048 }),
}, strict)
export type DevAuthorizeRequest = Static<typeof DevAuthorizeRequest>
export const DevAuthorizeResponse = Type.Object({ code: Type.String() })
export type DevAuthorizeResponse = Static<typeof DevAuthorizeResponse>

// ---- engagements ------------------------------------------------------------------------------

/** Filters shared by the list and the CSV export. `from`/`to` bound the start time (epoch ms). */
const engagementFilters = {
  state: Type.Optional(Type.Union([Type.Literal('live'), Type.Literal('closed')])),
  agentId: Type.Optional(Id),
  queueId: Type.Optional(Id),
  channel: Type.Optional(Channel),
  /** Full-text search over the notes' plain text. */
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  from: Type.Optional(Type.Integer({ minimum: 0, maximum: 8.64e15 })),
  to: Type.Optional(Type.Integer({ minimum: 0, maximum: 8.64e15 })),
}

/** `GET /api/engagements?…` (agents see their own, supervisors their account's). */
export const EngagementListQuery = Type.Object({
  ...engagementFilters,
  /** Opaque, from the previous page's `nextCursor`. */
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
}, strict)
export type EngagementListQuery = Static<typeof EngagementListQuery>

export const EngagementPage = Type.Object({
  items: Type.Array(EngagementView),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
})
export type EngagementPage = Static<typeof EngagementPage>

/** `GET /api/engagements/export.csv?…` (text/csv). */
export const EngagementExportQuery = Type.Object(engagementFilters, strict)
export type EngagementExportQuery = Static<typeof EngagementExportQuery>

export const EngagementParams = Type.Object({ engagementId: Id }, strict)
export type EngagementParams = Static<typeof EngagementParams>

/** `GET /api/engagements/:engagementId`: projection, full log timeline, notes projection. */
export const EngagementDetail = Type.Object({
  engagement: EngagementView,
  events: Type.Array(LogEvent),
  notes: Type.Object({ text: Type.String(), wrapup: Wrapup }),
})
export type EngagementDetail = Static<typeof EngagementDetail>

// ---- settings (supervisor/admin) --------------------------------------------------------------

/** `GET|PUT /api/settings/thresholds` — body and response are `AlertThresholds`. */
export const ThresholdsBody = AlertThresholds

/** `GET|PUT /api/settings/account`: the disposition list offered in wrap-up. */
export const AccountSettings = Type.Object({
  dispositions: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 100 }),
}, strict)
export type AccountSettings = Static<typeof AccountSettings>

// ---- users (admin) ----------------------------------------------------------------------------

/** A `SessionUser` and when they were last seen. */
export const UserSummary = Type.Object({
  ...SessionUser.properties,
  lastSeenAt: Type.Union([EpochMs, Type.Null()]),
})
export type UserSummary = Static<typeof UserSummary>

/** `GET /api/admin/users` */
export const UserList = Type.Object({ items: Type.Array(UserSummary) })
export type UserList = Static<typeof UserList>

export const UserParams = Type.Object({ userId: Id }, strict)
export type UserParams = Static<typeof UserParams>

/** `DELETE /api/admin/users/:userId` -> 204: removes the user; their open sockets close (4003). */

/** `PUT /api/admin/users/:userId/role` -> `{ user: UserSummary }` */
export const RoleChangeRequest = Type.Object({ role: Role }, strict)
export type RoleChangeRequest = Static<typeof RoleChangeRequest>
export const RoleChangeResponse = Type.Object({ user: UserSummary })
export type RoleChangeResponse = Static<typeof RoleChangeResponse>

// ---- retention and erasure (admin) ------------------------------------------------------------

/** An account's retention period in days: a day to a hundred years. */
const RetentionDays = Type.Integer({ minimum: 1, maximum: 36500 })

/** `GET /api/admin/retention`: the account's retention period and the server's default (`NOTES_RETENTION_DAYS`). */
export const RetentionSettings = Type.Object({
  /** null: the account follows the default */
  retentionDays: Type.Union([RetentionDays, Type.Null()]),
  defaultDays: Type.Integer({ minimum: 1 }),
  /** what applies: `retentionDays ?? defaultDays` */
  effectiveDays: Type.Integer({ minimum: 1 }),
})
export type RetentionSettings = Static<typeof RetentionSettings>

/** `PUT /api/admin/retention` -> `RetentionSettings` (`DELETE` returns the account to the default) */
export const RetentionBody = Type.Object({ retentionDays: RetentionDays }, strict)
export type RetentionBody = Static<typeof RetentionBody>

/** One erasure as the audit keeps it: never the content, nor the consumer number. */
export const Erasure = Type.Object({
  id: Type.String(),
  reason: Type.Union([Type.Literal('retention'), Type.Literal('engagement'), Type.Literal('consumer')]),
  requestedBy: Type.Union([Id, Type.Null()]),
  engagementIds: Type.Array(Id),
  engagements: Type.Integer({ minimum: 0 }),
  events: Type.Integer({ minimum: 0 }),
  documents: Type.Integer({ minimum: 0 }),
  createdAt: EpochMs,
})
export type Erasure = Static<typeof Erasure>

/** `DELETE /api/admin/engagements/:engagementId` and `POST /api/admin/erasures` -> `{ erasure }` */
export const ErasureResponse = Type.Object({ erasure: Erasure })
export type ErasureResponse = Static<typeof ErasureResponse>

/** `POST /api/admin/erasures`: erase every engagement whose consumer has this number (digits compared). */
export const ConsumerErasureRequest = Type.Object({
  consumerNumber: Type.String({ minLength: 4, maxLength: 64 }),
}, strict)
export type ConsumerErasureRequest = Static<typeof ConsumerErasureRequest>

/** `GET /api/admin/erasures`: the account's erasures, newest first. */
export const ErasureList = Type.Object({ items: Type.Array(Erasure) })
export type ErasureList = Static<typeof ErasureList>

// ---- in-client OAuth (multi-tenant: required to bind the account; single-tenant: optional) -------

/** `POST /api/oauth/start` (no body): PKCE challenge and state for `zoomSdk.authorize()`. */
export const OAuthStartResponse = Type.Object({
  codeChallenge: Type.String(),
  state: Type.String(),
})
export type OAuthStartResponse = Static<typeof OAuthStartResponse>

/** `POST /api/oauth/complete`: the code from the `onAuthorized` event. */
export const OAuthCompleteRequest = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 2048 }),
  state: Type.String({ minLength: 1, maxLength: 512 }),
  redirectUri: Type.String({ minLength: 1, maxLength: 2048 }),
}, strict)
export type OAuthCompleteRequest = Static<typeof OAuthCompleteRequest>

/** Also sets a new `sb_session` cookie (the session is now bound to the verified account). */
export const OAuthCompleteResponse = Type.Object({
  connected: Type.Boolean(),
  scopes: Type.Array(Type.String()),
  user: SessionUser,
  wsToken: Type.String(),
  expiresAt: EpochMs,
})
export type OAuthCompleteResponse = Static<typeof OAuthCompleteResponse>

/** Every REST schema by name (the schema-hash test and docs walk this). */
export const restSchemas = {
  DevSignInRequest, SessionRequest, SessionResponse, MeResponse, ClientConfig,
  DevAppContextRequest, DevAppContextResponse, DevAuthorizeRequest, DevAuthorizeResponse,
  EngagementListQuery, EngagementPage, EngagementExportQuery, EngagementParams, EngagementDetail,
  ThresholdsBody, AccountSettings,
  UserSummary, UserList, UserParams, RoleChangeRequest, RoleChangeResponse,
  OAuthStartResponse, OAuthCompleteRequest, OAuthCompleteResponse,
  RetentionSettings, RetentionBody, Erasure, ErasureResponse, ConsumerErasureRequest, ErasureList,
} as const
