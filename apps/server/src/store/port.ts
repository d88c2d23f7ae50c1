/**
 * The store port: the only way server code talks to the database.
 * Two implementations share the same SQL and migrations: `pg` (a Pool, when
 * DATABASE_URL is set) and PGlite (in-process, data under DATA_DIR, when it is not).
 *
 * Query functions take a `Db` first so the caller chooses pool or transaction:
 *   export async function getEngagement(db: Db, accountId: string, id: string) { ... }
 */
export interface QueryResult<R> {
  rows: R[]
  rowCount: number
}

/** Something that runs parameterized SQL: the store itself or an open transaction. */
export interface Db {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>
}

/** A subscription to a NOTIFY channel; `close()` stops it. */
export interface Listener {
  close(): Promise<void>
}

export interface ListenHandlers {
  /** A NOTIFY payload arrived on the channel. */
  onNotify(payload: string): void
  /**
   * The listening connection was (re)established. Called after the first LISTEN
   * and after every reconnect, so callers can catch up on what they missed.
   */
  onListening?(): void
  /** The listening connection was lost; it is being re-established with backoff. */
  onLost?(error: Error): void
}

/** An open transaction. */
export interface Tx extends Db {
  /**
   * Runs the transaction's last statement and COMMIT (one round trip on the pg write lane);
   * nothing may run in the transaction after it. Resolves with the statement's result once
   * committed.
   */
  commitWith<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>
}

/** Queries, transactions and a liveness probe over one set of connections. */
export interface Lane extends Db {
  /** Runs `fn` in one transaction (BEGIN/COMMIT, ROLLBACK on throw). Safe under concurrent callers. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>
  /** Throws when the database is unreachable. */
  ping(): Promise<void>
}

export interface Store extends Lane {
  readonly kind: 'pg' | 'pglite'
  /**
   * The group-commit writer's own connections (pg: a small pool of its own, so commits, the
   * writer's probe and compaction never queue behind reads; PGlite: the one connection).
   * On pg its transactions send BEGIN with their first statement and COMMIT with
   * `commitWith` (parameters inlined as literals), saving two round trips per transaction.
   */
  readonly writes: Lane
  /**
   * LISTEN on `channel` on a dedicated connection with a heartbeat; reconnects with backoff
   * and calls `onListening` again after each reconnect. In PGlite mode the bus is in-process.
   */
  listen(channel: string, handlers: ListenHandlers): Promise<Listener>
  /**
   * PGlite only: a gzipped tarball of the data directory, taken between statements and outside
   * any transaction (the one connection's mutex held), so it is a consistent copy.
   */
  dumpDataDir?(): Promise<Blob>
  close(): Promise<void>
}

/** The slice of a pino logger the store and engine use (Fastify's logger satisfies it). */
export interface Logger {
  debug(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}
