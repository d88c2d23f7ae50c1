/**
 * The one catalog of error codes. HTTP statuses and WebSocket close codes map from it.
 * Tests assert codes, never message text.
 */
import Type, { type Static } from 'typebox'

export const ERRORS = {
  // wire / protocol
  BAD_JSON: { status: 400, message: 'The frame is not valid JSON.' },
  BAD_MESSAGE: { status: 400, message: 'The message does not match its schema.' },
  UNKNOWN_TYPE: { status: 400, message: 'Unknown message type.' },
  FRAME_TOO_LARGE: { status: 413, message: 'The frame exceeds the maximum size.' },
  BINARY_NOT_SUPPORTED: { status: 400, message: 'Binary frames are not accepted; send JSON text.' },
  HELLO_REQUIRED: { status: 400, message: 'Send hello before anything else.' },
  ALREADY_HELLO: { status: 400, message: 'hello was already received on this connection.' },
  VERSION_UNSUPPORTED: { status: 400, message: 'This protocol version is not supported; reload the app.' },
  RATE_LIMITED: { status: 429, message: 'Too many messages; slow down and retry.' },
  // identity and access
  UNAUTHENTICATED: { status: 401, message: 'Sign in first.' },
  SESSION_EXPIRED: { status: 401, message: 'The session has expired; sign in again.' },
  INVALID_APP_CONTEXT: { status: 401, message: 'The Zoom app context could not be verified.' },
  APP_CONTEXT_EXPIRED: { status: 401, message: 'The Zoom app context has expired; reopen the app.' },
  FORBIDDEN: { status: 403, message: 'You are not allowed to do that.' },
  ACCOUNT_NOT_CONNECTED: { status: 403, message: 'Connect Switchboard to your Zoom account first.' },
  TOO_MANY_CONNECTIONS: { status: 429, message: 'Too many open Switchboard connections for this user; close one and retry.' },
  ORIGIN_NOT_ALLOWED: { status: 403, message: 'This origin is not allowed.' },
  DEV_SIGNIN_DISABLED: { status: 403, message: 'Dev sign-in is not available on this server.' },
  OAUTH_DISABLED: { status: 404, message: 'Zoom OAuth is not enabled on this server.' },
  OAUTH_STATE_INVALID: { status: 400, message: 'The OAuth state is invalid or expired; start again.' },
  OAUTH_EXCHANGE_FAILED: { status: 502, message: 'Zoom refused the authorization code.' },
  WEBHOOKS_DISABLED: { status: 404, message: 'Zoom webhooks are not enabled on this server (ZOOM_WEBHOOK_SECRET_TOKEN is unset).' },
  WEBHOOK_SIGNATURE_INVALID: { status: 401, message: 'The webhook signature is missing or does not match the Secret Token.' },
  WEBHOOK_TIMESTAMP_INVALID: { status: 401, message: 'The webhook timestamp is missing, or more than 5 minutes from the server clock.' },
  // resources
  NOT_FOUND: { status: 404, message: 'Not found.' },
  ENGAGEMENT_ERASED: { status: 410, message: 'This engagement was erased; it is not created again.' },
  ROUTE_NOT_FOUND: { status: 404, message: 'No such route.' },
  VALIDATION_FAILED: { status: 400, message: 'The request is invalid.' },
  CONFLICT: { status: 409, message: 'The request conflicts with the current state.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  // server state
  UNAVAILABLE: { status: 503, message: 'Saving is delayed: the database is unreachable. Changes are kept and retried.' },
  NOT_READY: { status: 503, message: 'The server is not ready.' },
  SLOW_CONSUMER: { status: 503, message: 'The connection fell too far behind; reconnect to resync.' },
  SHUTTING_DOWN: { status: 503, message: 'The server is restarting; reconnect shortly.' },
  INTERNAL: { status: 500, message: 'Something went wrong on the server.' },
} as const satisfies Record<string, { status: number; message: string }>

export type ErrorCode = keyof typeof ERRORS
export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[]
// `Unsafe` carries the static union: a union built from an array would infer `never`.
export const ErrorCode = Type.Unsafe<ErrorCode>(Type.Union(ERROR_CODES.map((c) => Type.Literal(c))))

/** The JSON body of every HTTP error response. */
export const HttpError = Type.Object({
  error: Type.Object({
    code: ErrorCode,
    message: Type.String(),
    requestId: Type.Optional(Type.String()),
    details: Type.Optional(Type.Unknown()),
  }),
})
export type HttpError = Static<typeof HttpError>

/** WebSocket close codes: standard ones plus named 4xxx application codes. */
export const CLOSE = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  MESSAGE_TOO_BIG: 1009,
  INTERNAL: 1011,
  PROTOCOL_VIOLATION: 4000,
  UNAUTHENTICATED: 4001,
  SESSION_EXPIRED: 4002,
  FORBIDDEN: 4003,
  HELLO_TIMEOUT: 4004,
  VERSION_UNSUPPORTED: 4005,
  RATE_LIMITED: 4008,
  SLOW_CONSUMER: 4009,
  HEARTBEAT_TIMEOUT: 4010,
} as const
export type CloseCode = (typeof CLOSE)[keyof typeof CLOSE]

/** Close codes after which a client should not reconnect without user action. */
export const TERMINAL_CLOSE_CODES: readonly number[] = [
  CLOSE.UNAUTHENTICATED, CLOSE.SESSION_EXPIRED, CLOSE.FORBIDDEN, CLOSE.VERSION_UNSUPPORTED,
]

export class AppError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly details?: unknown
  constructor(code: ErrorCode, message?: string, details?: unknown) {
    super(message ?? ERRORS[code].message)
    this.name = 'AppError'
    this.code = code
    this.status = ERRORS[code].status
    this.details = details
  }
}
