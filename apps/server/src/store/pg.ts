/**
 * The `pg` store: a Pool for queries and transactions, a small separate Pool for the
 * group-commit writer (`writes`), and one dedicated `pg.Client` per `listen()` with a
 * heartbeat, reconnect with backoff and re-LISTEN (then `onListening`).
 */
import pg from 'pg'
import { isUnavailable, sqlstate, StoreUnavailable } from './errors.ts'
import { inlineParams } from './inline-sql.ts'
import type { Lane, ListenHandlers, Listener, Logger, QueryResult, Store, Tx } from './port.ts'

const INT8 = 20
const QUERY_TIMEOUT_MS = 5_000

/**
 * Per-store type parsers (not the global `pg.types`): int8 as a JS number when safe, so
 * `count(*)`, `seq` and `last_seq` are numbers on both stores (PGlite is set up the same way).
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8 && format !== 'binary') return parseInt8
    return pg.types.getTypeParser(oid, format as 'text')
  },
}

export function parseInt8(value: string): number | string {
  const n = Number(value)
  return Number.isSafeInteger(n) ? n : value
}

export interface PgStoreOptions {
  connectionString: string
  logger: Logger
  max?: number
  /** Connections of the writer's own pool (two batches in flight + its probe or compaction). */
  writeMax?: number
  /** Interval of the LISTEN connection's heartbeat query. */
  heartbeatMs?: number
}

/**
 * Awaits a driver call. Its failures that are not Postgres errors (a connection lost or timed
 * out, a pool that cannot connect or was ended) become `StoreUnavailable`, so callers classify
 * failures by code; a TypeError or RangeError is a bad value our code passed and stays itself.
 */
async function driver<T>(call: Promise<T>): Promise<T> {
  try {
    return await call
  } catch (err) {
    if (sqlstate(err) !== undefined || err instanceof TypeError || err instanceof RangeError) throw err
    throw new StoreUnavailable(err)
  }
}

/**
 * One transaction on `client`: BEGIN is sent by `transaction`, COMMIT by `commitWith` or after `fn`.
 * On the write lane (`fold`) statements go with their parameters inlined as literals, so BEGIN
 * and COMMIT share their round trips. (Preparing them once per connection and running
 * `EXECUTE name(literals)` was tried, 790b4f0: the batch's statements parsed and planned less
 * often, but Postgres spent more CPU per commit in the peer bench, 3.3–3.4 ms against 2.7 ms at
 * 6–7 ops per commit and 119–131 µs against 73–77 µs per op in the closed loop; so it went.)
 */
class PgTx implements Tx {
  /** BEGIN is sent with the first statement (folded) instead of on its own */
  begun: boolean
  committed = false
  private readonly client: pg.ClientBase
  private readonly fold: boolean

  constructor(client: pg.ClientBase, fold: boolean) {
    this.client = client
    this.fold = fold
    this.begun = !fold
  }

  async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    if (this.committed) throw new Error('transaction already committed')
    if (!this.begun) {
      this.begun = true
      const text = inlineParams(sql, params)
      if (text !== null) return toResult<R>(await driver(this.client.query(`BEGIN;\n${text}`)), 1)
      await driver(this.client.query('BEGIN'))
    }
    return toResult<R>(await driver(this.client.query(sql, params as unknown[] | undefined)))
  }

  async commitWith<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    const text = this.fold ? inlineParams(sql, params) : null
    if (text === null) {
      const res = await this.query<R>(sql, params)
      await driver(this.client.query('COMMIT'))
      this.committed = true
      return res
    }
    const begin = this.begun ? '' : 'BEGIN;\n'
    this.begun = true
    const res = toResult<R>(await driver(this.client.query(`${begin}${text};\nCOMMIT`)), begin ? 1 : 0)
    this.committed = true
    return res
  }
}

/** The result of statement `index` of a (possibly multi-statement) query; the last by default. */
function toResult<R>(res: pg.QueryResult | pg.QueryResult[], index?: number): QueryResult<R> {
  const one = Array.isArray(res) ? res[index ?? res.length - 1] : res
  const rows = (one?.rows ?? []) as R[]
  return { rows, rowCount: one?.rowCount ?? rows.length }
}

function openPool(opts: PgStoreOptions, max: number, name: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    // A silent partition must fail queries (and so mark the node down) instead of hanging them.
    query_timeout: QUERY_TIMEOUT_MS,
    keepAlive: true,
    types,
  })
  // An idle client losing its connection emits here; without a handler the process dies.
  pool.on('error', (err) => opts.logger.warn({ err, pool: name }, 'postgres idle client error'))
  return pool
}

/** Queries and transactions over `pool`; `fold` sends BEGIN and COMMIT with the neighbouring statements. */
function lane(pool: pg.Pool, fold: boolean): Lane {
  return {
    async query<R>(sql: string, params?: readonly unknown[]) {
      return toResult<R>(await driver(pool.query(sql, params as unknown[] | undefined)))
    },
    async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      const client = await driver(pool.connect())
      let broken: Error | undefined
      let rolledBack = false
      // A checked-out client is not covered by the pool's 'error' handler: without this one, a
      // connection dropped mid-transaction is an unhandled error that ends the process.
      const onError = (err: Error) => {
        broken ??= err
      }
      client.on('error', onError)
      const tx = new PgTx(client, fold)
      try {
        if (!fold) await driver(client.query('BEGIN'))
        try {
          const result = await fn(tx)
          if (tx.begun && !tx.committed) {
            await driver(client.query('COMMIT'))
            // Else the connection was released as "left open" and destroyed, a new one per transaction.
            tx.committed = true
          }
          return result
        } catch (err) {
          try {
            // After a timeout or a lost connection the client is discarded; ROLLBACK would hang or fail.
            if (tx.begun && !tx.committed && !broken && !isUnavailable(err)) {
              await driver(client.query('ROLLBACK'))
              rolledBack = true
            }
          } catch (rollbackErr) {
            broken = rollbackErr as Error
          }
          throw err
        }
      } catch (err) {
        if (!broken && isUnavailable(err)) broken = err as Error
        throw err
      } finally {
        client.off('error', onError)
        // A timed-out or broken connection is destroyed rather than returned to the pool.
        client.release(broken ?? (tx.begun && !tx.committed && !rolledBack ? new Error('transaction left open') : undefined))
      }
    },
    async ping() {
      await driver(pool.query('select 1'))
    },
  }
}

export async function openPgStore(opts: PgStoreOptions): Promise<Store> {
  const pool = openPool(opts, opts.max ?? 10, 'main')
  const writePool = openPool(opts, opts.writeMax ?? 3, 'writes')
  const listeners = new Set<PgListener>()
  const main = lane(pool, false)

  const store: Store = {
    kind: 'pg',
    ...main,
    writes: lane(writePool, true),
    async listen(channel: string, handlers: ListenHandlers): Promise<Listener> {
      const l = new PgListener(opts.connectionString, channel, handlers, opts.logger, opts.heartbeatMs ?? 5000)
      listeners.add(l)
      await l.start()
      return {
        close: async () => {
          listeners.delete(l)
          await l.close()
        },
      }
    },
    async close() {
      await Promise.all([...listeners].map((l) => l.close()))
      listeners.clear()
      await Promise.all([pool.end(), writePool.end()])
    },
  }
  return store
}

/** A dedicated LISTEN connection that keeps itself alive. */
class PgListener {
  private client: pg.Client | undefined
  private heartbeat: NodeJS.Timeout | undefined
  private retry: NodeJS.Timeout | undefined
  private attempt = 0
  private closed = false
  private connecting = false

  private readonly connectionString: string
  private readonly channel: string
  private readonly handlers: ListenHandlers
  private readonly logger: Logger
  private readonly heartbeatMs: number

  constructor(connectionString: string, channel: string, handlers: ListenHandlers, logger: Logger, heartbeatMs: number) {
    this.connectionString = connectionString
    this.channel = channel
    this.handlers = handlers
    this.logger = logger
    this.heartbeatMs = heartbeatMs
  }

  /** First connect: fails fast so the caller learns the database is down at startup. */
  async start(): Promise<void> {
    await this.connect()
  }

  private async connect(): Promise<void> {
    if (this.closed || this.connecting) return
    this.connecting = true
    const client = new pg.Client({ connectionString: this.connectionString, connectionTimeoutMillis: 5000, query_timeout: QUERY_TIMEOUT_MS, keepAlive: true, types })
    client.on('error', (err) => this.lost(client, err))
    client.on('end', () => this.lost(client, new Error('listen connection ended')))
    client.on('notification', (msg) => {
      if (msg.channel === this.channel) this.handlers.onNotify(msg.payload ?? '')
    })
    try {
      await client.connect()
      await client.query(`LISTEN ${pg.escapeIdentifier(this.channel)}`)
    } catch (err) {
      this.connecting = false
      client.removeAllListeners('end')
      client.end().catch(() => {})
      throw err
    }
    this.connecting = false
    if (this.closed) {
      await client.end().catch(() => {})
      return
    }
    this.client = client
    this.attempt = 0
    this.heartbeat = setInterval(() => {
      client.query('select 1').catch((err: Error) => this.lost(client, err))
    }, this.heartbeatMs)
    this.heartbeat.unref()
    this.handlers.onListening?.()
  }

  private lost(client: pg.Client, err: Error): void {
    if (this.client !== client) return
    this.client = undefined
    clearInterval(this.heartbeat)
    client.removeAllListeners('end')
    client.end().catch(() => {})
    if (this.closed) return
    this.logger.warn({ err, channel: this.channel }, 'LISTEN connection lost; reconnecting')
    this.handlers.onLost?.(err)
    this.scheduleReconnect()
  }

  private scheduleReconnect(): void {
    if (this.closed) return
    const base = Math.min(5000, 100 * 2 ** this.attempt++)
    const delay = base / 2 + Math.random() * (base / 2)
    this.retry = setTimeout(() => {
      this.connect().catch((err: Error) => {
        this.logger.debug({ err, channel: this.channel }, 'LISTEN reconnect failed')
        this.scheduleReconnect()
      })
    }, delay)
    this.retry.unref()
  }

  async close(): Promise<void> {
    this.closed = true
    clearTimeout(this.retry)
    clearInterval(this.heartbeat)
    const client = this.client
    this.client = undefined
    if (client) {
      client.removeAllListeners('end')
      await client.end().catch(() => {})
    }
  }
}
