/**
 * How the server tells database failures apart: by SQLSTATE (Postgres errors) and by error codes,
 * never by the wording of a message. The drivers' own failures (a lost or timed-out connection,
 * a pool that cannot connect) carry no code; the store adapters (`pg.ts`, `pglite.ts`) know where
 * a failure came from and raise them as `StoreUnavailable`.
 */

/** SQLSTATE codes (Postgres, appendix A) the server acts on. */
export const SQLSTATE = {
  /** a unique index refused the row: another node committed the same op id or dedup key first */
  UNIQUE_VIOLATION: '23505',
  /** class 22, a value that cannot be stored (a NUL in a string, a notes update that does not apply) */
  DATA_EXCEPTION: '22000',
} as const

/** SQLSTATE classes (the first two characters). */
const CLASS = { CONNECTION_EXCEPTION: '08', DATA_EXCEPTION: '22', OPERATOR_INTERVENTION: '57' } as const

/** Socket errors of a connection that failed or went away (Node's errno codes). */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN',
])

/** The code of a `StoreUnavailable`. */
export const STORE_UNAVAILABLE = 'SB_STORE_UNAVAILABLE'

/**
 * The database could not be reached or the connection was lost or timed out (the driver's error is
 * the `cause`). Says nothing of whether the database is down: an overloaded one times out too.
 */
export class StoreUnavailable extends Error {
  readonly code = STORE_UNAVAILABLE

  constructor(cause: unknown) {
    super(`database unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
    this.name = 'StoreUnavailable'
  }
}

/** The SQLSTATE of an error Postgres (or the store, as Postgres would) raised; undefined for anything else. */
export function sqlstate(err: unknown): string | undefined {
  const e = err as { code?: unknown; severity?: unknown } | null
  if (!e || typeof e !== 'object' || typeof e.severity !== 'string' || typeof e.code !== 'string') return undefined
  return e.code
}

/** A data exception raised in our own code inside a transaction, classified as Postgres would classify it. */
export function dataException(message: string, cause?: unknown): Error {
  return Object.assign(new Error(message, { cause }), { severity: 'ERROR', code: SQLSTATE.DATA_EXCEPTION })
}

/** Class 22: the value is at fault (the client's op), not the database or our code. */
export function isDataException(err: unknown): boolean {
  return sqlstate(err)?.startsWith(CLASS.DATA_EXCEPTION) === true
}

/**
 * True when an operation failed for want of a working connection: `StoreUnavailable`, SQLSTATE
 * class 08 (connection exception) or 57 (operator intervention: shutdown, terminated backend,
 * statement timeout), or a socket error. False for SQL errors and for bugs in our own code.
 */
export function isUnavailable(err: unknown): boolean {
  const state = sqlstate(err)
  if (state !== undefined) return state.startsWith(CLASS.CONNECTION_EXCEPTION) || state.startsWith(CLASS.OPERATOR_INTERVENTION)
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && (code === STORE_UNAVAILABLE || NETWORK_CODES.has(code))
}
