/**
 * Browser outbox in IndexedDB: survives reload, offline and a restarted webview.
 *
 * Keys are `[namespace, clientId, t, opId]`: `namespace` is the signed-in user
 * (`accountId/userId`), so one user's ops are never sent under another's session; `clientId`
 * is the tab; `opId` makes keys unique even when two tabs share a clientId (a duplicated tab
 * copies sessionStorage), so no tab clobbers another's ops; `t` keeps send order.
 *
 * Liveness: while an outbox lives it holds an exclusive Web Lock named after its clientId (the
 * browser releases it the moment the tab closes or crashes, which no `pagehide` write can promise).
 * A clientId with ops whose lock is neither held nor waited for belongs to a dead tab, and its ops
 * are adopted by the next outbox of the same user that loads or calls `adopt()` (the sync client
 * does after each welcome and periodically). Where Web Locks are unavailable (no secure context)
 * each outbox renews a lease row instead, and a lease older than `staleMs` marks the tab dead.
 * Adopting a live tab's ops by mistake is harmless: the server deduplicates by `opId` and both
 * copies are removed on ack.
 */
import type { ClientOp } from './client-messages.ts'
import type { Outbox } from './outbox.ts'
import { newOpId } from './op-id.ts'

export interface IndexedDbOutboxOptions {
  /** The signed-in user, e.g. `${accountId}/${userId}`. */
  namespace: string
  clientId: string
  dbName?: string
  /** Lease renewal interval. Default 20000. */
  renewMs?: number
  /** A lease older than this is abandoned. Default 120000 (hidden tabs' timers may run once a minute). */
  staleMs?: number
  indexedDB?: IDBFactory
  /** Default `navigator.locks` when present; `null` forces the lease fallback. */
  locks?: LockManager | null
  now?: () => number
}

type OpKey = [string, string, number, string]
interface OpRow { op: ClientOp }
interface LeaseRow { seenAt: number }

const OPS = 'ops'
const LEASES = 'leases'

/** A clientId per tab that survives reload of that tab (sessionStorage). */
export function tabClientId(storage: Storage = sessionStorage, key = 'switchboard.clientId'): string {
  let id = storage.getItem(key)
  if (id === null) {
    id = newOpId()
    storage.setItem(key, id)
  }
  return id
}

export class IndexedDbOutbox implements Outbox {
  readonly #o: Required<Omit<IndexedDbOutboxOptions, 'indexedDB' | 'locks'>> & { indexedDB: IDBFactory }
  readonly #locks: LockManager | null
  readonly #keys = new Map<string, OpKey>()
  #db: Promise<IDBDatabase> | null = null
  #lastT = 0
  #renewTimer: ReturnType<typeof setInterval> | undefined
  #releaseLock: (() => void) | null = null
  #closed = false

  constructor(opts: IndexedDbOutboxOptions) {
    this.#o = {
      namespace: opts.namespace, clientId: opts.clientId, dbName: opts.dbName ?? 'switchboard-outbox',
      renewMs: opts.renewMs ?? 20_000, staleMs: opts.staleMs ?? 120_000,
      indexedDB: opts.indexedDB ?? indexedDB, now: opts.now ?? Date.now,
    }
    this.#locks = opts.locks !== undefined ? opts.locks : defaultLocks()
    // Claimed before any op is written, so other tabs see this clientId alive from the start.
    this.#holdLock()
  }

  /** Whether liveness is tracked with Web Locks (otherwise with leases). */
  get usesLocks(): boolean {
    return this.#locks !== null
  }

  async load(): Promise<ClientOp[]> {
    const alive = await this.#liveClients()
    const db = await this.#open()
    this.#startRenewing()
    const tx = db.transaction([OPS, LEASES], 'readwrite')
    const done = txDone(tx)
    const ops = tx.objectStore(OPS)
    tx.objectStore(LEASES).put({ seenAt: this.#o.now() } satisfies LeaseRow, [this.#o.namespace, this.#o.clientId])
    const rows = await req(ops.getAll(clientRange(this.#o.namespace, this.#o.clientId)) as IDBRequest<OpRow[]>)
    const keys = await req(ops.getAllKeys(clientRange(this.#o.namespace, this.#o.clientId))) as OpKey[]
    const own: ClientOp[] = []
    rows.forEach((row, i) => {
      const key = keys[i]
      if (key === undefined || this.#keys.has(row.op.opId)) return
      this.#keys.set(row.op.opId, key)
      this.#lastT = Math.max(this.#lastT, key[2])
      own.push(row.op)
    })
    const adopted = await this.#adoptIn(tx, alive)
    await done
    return [...own, ...adopted]
  }

  async adopt(): Promise<ClientOp[]> {
    if (this.#closed) return []
    const alive = await this.#liveClients()
    const db = await this.#open()
    const tx = db.transaction([OPS, LEASES], 'readwrite')
    const done = txDone(tx)
    const adopted = await this.#adoptIn(tx, alive)
    await done
    return adopted
  }

  async put(op: ClientOp): Promise<void> {
    if (this.#keys.has(op.opId)) return
    const key: OpKey = [this.#o.namespace, this.#o.clientId, this.#nextT(), op.opId]
    this.#keys.set(op.opId, key)
    try {
      const db = await this.#open()
      const tx = db.transaction(OPS, 'readwrite')
      tx.objectStore(OPS).put({ op } satisfies OpRow, key) // throws DataCloneError for uncloneable ops
      await txDone(tx)
    } catch (error) {
      // Not stored: a later put of the same op must try again.
      if (this.#keys.get(op.opId) === key) this.#keys.delete(op.opId)
      throw error
    }
  }

  async delete(opId: string): Promise<void> {
    const key = this.#keys.get(opId)
    if (key === undefined) return
    this.#keys.delete(opId)
    const db = await this.#open()
    const tx = db.transaction(OPS, 'readwrite')
    tx.objectStore(OPS).delete(key)
    await txDone(tx)
  }

  /** Stop renewing and release the lock and lease, so another tab adopts what is left right away. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#renewTimer)
    this.#releaseLock?.()
    this.#releaseLock = null
    void this.#db?.then((db) => {
      const tx = db.transaction(LEASES, 'readwrite')
      tx.objectStore(LEASES).put({ seenAt: 0 } satisfies LeaseRow, [this.#o.namespace, this.#o.clientId])
      tx.oncomplete = tx.onabort = () => db.close()
    }).catch(() => {})
  }

  /**
   * Move the ops of dead clients of this namespace under our clientId, in their order. `alive`:
   * the lock names held or waited for (Web Locks), or null to judge by lease age.
   */
  async #adoptIn(tx: IDBTransaction, alive: ReadonlySet<string> | null): Promise<ClientOp[]> {
    const ns = this.#o.namespace
    const leases = tx.objectStore(LEASES)
    const ops = tx.objectStore(OPS)
    const opKeys = await req(ops.getAllKeys(IDBKeyRange.bound([ns], [ns, []]))) as OpKey[]
    const others = new Set(opKeys.map((k) => k[1]).filter((id) => id !== this.#o.clientId))
    const staleBefore = this.#o.now() - this.#o.staleMs
    const adopted: ClientOp[] = []
    for (const clientId of others) {
      if (alive !== null) {
        if (alive.has(this.#lockName(clientId))) continue
      } else {
        // No lease at all: the client died between writing an op and its first lease.
        const lease = await req(leases.get([ns, clientId]) as IDBRequest<LeaseRow | undefined>)
        if (lease !== undefined && lease.seenAt >= staleBefore) continue
      }
      const range = clientRange(ns, clientId)
      const rows = await req(ops.getAll(range) as IDBRequest<OpRow[]>)
      ops.delete(range)
      leases.delete([ns, clientId])
      for (const { op } of rows) {
        if (this.#keys.has(op.opId)) continue
        const key: OpKey = [ns, this.#o.clientId, this.#nextT(), op.opId]
        this.#keys.set(op.opId, key)
        ops.put({ op } satisfies OpRow, key)
        adopted.push(op)
      }
    }
    return adopted
  }

  #nextT(): number {
    this.#lastT = Math.max(this.#o.now(), this.#lastT + 1)
    return this.#lastT
  }

  #lockName(clientId: string): string {
    return `switchboard-outbox ${JSON.stringify([this.#o.dbName, this.#o.namespace, clientId])}`
  }

  /** Hold our clientId's lock until `close()` (or until the page goes away). */
  #holdLock(): void {
    if (this.#locks === null) return
    const held = new Promise<void>((resolve) => { this.#releaseLock = resolve })
    this.#locks.request(this.#lockName(this.#o.clientId), { mode: 'exclusive' }, () => held).catch(() => {})
  }

  /** Lock names held or requested right now (queried outside any IndexedDB transaction: it would commit). */
  async #liveClients(): Promise<ReadonlySet<string> | null> {
    if (this.#locks === null) return null
    try {
      const { held = [], pending = [] } = await this.#locks.query()
      return new Set([...held, ...pending].map((l) => l.name ?? ''))
    } catch {
      return null
    }
  }

  #startRenewing(): void {
    if (this.#renewTimer !== undefined || this.#closed || this.#locks !== null) return
    this.#renewTimer = setInterval(() => {
      void this.#open().then((db) => {
        const tx = db.transaction(LEASES, 'readwrite')
        tx.objectStore(LEASES).put({ seenAt: this.#o.now() } satisfies LeaseRow, [this.#o.namespace, this.#o.clientId])
      }).catch(() => {})
    }, this.#o.renewMs)
  }

  #open(): Promise<IDBDatabase> {
    this.#db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const request = this.#o.indexedDB.open(this.#o.dbName, 1)
      request.onupgradeneeded = () => {
        request.result.createObjectStore(OPS)
        request.result.createObjectStore(LEASES)
      }
      request.onsuccess = () => {
        const db = request.result
        // Another tab upgrading the schema must not be blocked by us.
        db.onversionchange = () => {
          db.close()
          this.#db = null
        }
        resolve(db)
      }
      request.onerror = () => reject(request.error)
    })
    this.#db.catch(() => { this.#db = null })
    return this.#db
  }
}

function defaultLocks(): LockManager | null {
  return typeof navigator !== 'undefined' && navigator.locks !== undefined ? navigator.locks : null
}

/** All keys `[ns, clientId, *, *]`: arrays sort after numbers and strings. */
function clientRange(ns: string, clientId: string): IDBKeyRange {
  return IDBKeyRange.bound([ns, clientId], [ns, clientId, []])
}

function req<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
}

function txDone(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve()
    tx.onerror = () => reject(tx.error)
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'))
  })
}
