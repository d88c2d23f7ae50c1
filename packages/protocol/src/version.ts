/**
 * Protocol version. Bump on every wire change (client or server message, REST body, error or
 * close code): `test/schema-hash.test.ts` hashes the schemas and fails until `SCHEMA_HASH` is
 * updated, which is the moment to bump and add a line here. One line per bump:
 *
 * 1 — initial protocol: hello/welcome, subscribe/snapshot/events, engagement ops, doc.update,
 *     help, whispers, boards with coalesced deltas; REST bodies.
 * 2 — `engagement.erased` (retention purge, admin erasure); admin REST bodies for retention and erasures.
 * 3 — Zoom webhooks and REST: EngagementView.sources, AgentView.contactCenter (optional), error
 *     codes WEBHOOKS_DISABLED, WEBHOOK_SIGNATURE_INVALID, WEBHOOK_TIMESTAMP_INVALID.
 * 4 — trust: ACCOUNT_NOT_CONNECTED and TOO_MANY_CONNECTIONS, the `role-changed` notice, client
 *     config, dev app-context/authorize bodies, OAuth completion returns the bound session.
 * 5 — the `batch` server frame (one frame per socket per flush: a commit's acks, rows and
 *     projections together); a session is not sent its own notes rows (`doc`) back: the ack of
 *     its `doc.update` carries the seq. Sent only to clients that say 5 or later in hello.
 * 6 — error code ENGAGEMENT_ERASED: an `engagement.observe` for an engagement the account erased
 *     is refused (it is not created again); clients below 6 get NOT_FOUND for it.
 */
export const PROTOCOL_VERSION = 6
/** Oldest client version the server still accepts. */
export const MIN_PROTOCOL_VERSION = 1
/** sha256 (first 16 hex) of the canonical JSON of every schema at `PROTOCOL_VERSION`. */
export const SCHEMA_HASH = 'aae6eb4c5398f2c3'
