/**
 * The embedded store: PGlite (Postgres in WASM, one connection) under `dataDir/pglite`.
 *
 * PGlite is a single connection, so every statement goes through one mutex and a transaction
 * holds it from BEGIN to COMMIT: a concurrent caller's query can never run inside someone
 * else's transaction. LISTEN/NOTIFY is native and in-process (delivered after commit).
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { PGlite, type Results } from '@electric-sql/pglite'
import { StoreUnavailable } from './errors.ts'
import { Mutex } from './mutex.ts'
import { parseInt8 } from './pg.ts'
import type { ListenHandlers, Listener, Logger, QueryResult, Store, Tx } from './port.ts'

export interface PgliteStoreOptions {
  /** Data directory; the database lives in `dataDir/pglite`. Omit for an in-memory database. */
  dataDir?: string
  logger: Logger
}

function toResult<R>(res: Results<R>): QueryResult<R> {
  return { rows: res.rows, rowCount: res.affectedRows || res.rows.length }
}

/** Without parameters use the simple protocol, so multi-statement SQL (migrations) works as on pg. */
async function run<R>(db: PGlite, sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
  if (!params || params.length === 0) {
    const all = await db.exec(sql)
    const last = all[all.length - 1]
    return last ? toResult(last as Results<R>) : { rows: [], rowCount: 0 }
  }
  return toResult(await db.query<R>(sql, params as unknown[]))
}

export async function openPgliteStore(opts: PgliteStoreOptions): Promise<Store> {
  let dir: string | undefined
  if (opts.dataDir) {
    dir = join(opts.dataDir, 'pglite')
    mkdirSync(dir, { recursive: true })
  }
  const db = await PGlite.create({ dataDir: dir, parsers: { 20: parseInt8 } })
  const mutex = new Mutex()
  const unlisteners = new Set<() => Promise<void>>()
  let closed = false

  const store: Store = {
    kind: 'pglite',
    query<R>(sql: string, params?: readonly unknown[]) {
      return mutex.run(() => {
        if (closed) throw new StoreUnavailable(new Error('store is closed'))
        return run<R>(db, sql, params)
      })
    },
    transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      return mutex.run(async () => {
        await db.exec('BEGIN')
        let open = true
        const tx: Tx = {
          query<R>(sql: string, params?: readonly unknown[]) {
            if (!open) return Promise.reject(new Error('transaction already finished'))
            return run<R>(db, sql, params)
          },
          async commitWith<R>(sql: string, params?: readonly unknown[]) {
            const res = await tx.query<R>(sql, params)
            open = false
            await db.exec('COMMIT')
            return res
          },
        }
        try {
          const result = await fn(tx)
          if (!open) return result
          open = false
          await db.exec('COMMIT')
          return result
        } catch (err) {
          // After a failed commitWith PGlite is still inside the transaction: roll it back.
          open = false
          await db.exec('ROLLBACK').catch(() => {})
          throw err
        }
      })
    },
    async listen(channel: string, handlers: ListenHandlers): Promise<Listener> {
      const unlisten = await mutex.run(() => db.listen(channel, (payload) => handlers.onNotify(payload)))
      const stop = () => mutex.run(() => unlisten())
      unlisteners.add(stop)
      // In-process: the "connection" cannot be lost, so this is the only (re)listen.
      queueMicrotask(() => handlers.onListening?.())
      return {
        close: async () => {
          if (!unlisteners.delete(stop) || closed) return
          await stop()
        },
      }
    },
    async ping() {
      if (closed) throw new StoreUnavailable(new Error('store is closed'))
      await store.query('select 1')
    },
    get writes() {
      return store
    },
    dumpDataDir() {
      return mutex.run(() => db.dumpDataDir('gzip'))
    },
    async close() {
      if (closed) return
      closed = true
      await mutex.run(() => db.close())
      unlisteners.clear()
    },
  }
  return store
}
