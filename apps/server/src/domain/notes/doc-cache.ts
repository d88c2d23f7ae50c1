/**
 * Hot notes documents in memory, bounded by an LRU. A `HotDoc` knows up to which log seq
 * of its engagement it has applied every doc row (`seq`), so a writer can catch it up from
 * the log when another node wrote meanwhile.
 *
 * Several group-commit batches are in flight at once and share this cache, so a batch pins
 * the documents it uses (`pin`/`unpin`, a count): a pinned document is never evicted, and
 * the cache may exceed its bound while batches hold more than that. A batch that rolled
 * back `discard`s the documents it changed by identity: a fresher copy another batch loaded
 * under the same key meanwhile stays.
 */
import * as Y from 'yjs'
import { DOC_GUID } from './doc.ts'

export class HotDoc {
  readonly doc = new Y.Doc({ guid: DOC_GUID })
  /** every doc row with seq <= this is applied */
  seq = 0
  /** seq included in the stored snapshot */
  snapshotSeq = 0
  /** doc rows applied since the stored snapshot */
  sinceSnapshot = 0
  lastWriteAt = 0
  /** batches in flight holding this document */
  pins = 0
  /** batches that applied updates to it and whose commit has not resolved here yet */
  uncommitted = 0
  /** holds updates of a rolled-back transaction: never use it again */
  stale = false
  private settledWaiters: (() => void)[] = []

  /** True when the document may hold updates the log does not (reload it instead). */
  get suspect(): boolean {
    return this.stale || this.uncommitted > 0
  }

  /**
   * Resolves once no batch that changed this document is unsettled. A batch holding the
   * engagement's row lock calls this: the previous writer's transaction has ended on the
   * server, only its answer is still on the way, so the wait is short and cannot deadlock.
   */
  settled(): Promise<void> {
    if (this.uncommitted === 0) return Promise.resolve()
    return new Promise((resolve) => this.settledWaiters.push(resolve))
  }

  /** Batches waiting in `settled()`. */
  get waiting(): number {
    return this.settledWaiters.length
  }

  /** @internal called by `BatchDocs` when one of its writers settles */
  release(): void {
    this.uncommitted--
    if (this.uncommitted > 0) return
    const waiters = this.settledWaiters
    this.settledWaiters = []
    for (const w of waiters) w()
  }
}

export class DocCache {
  private readonly map = new Map<string, HotDoc>()
  private readonly max: number

  constructor(max: number) {
    this.max = max
  }

  get(key: string): HotDoc | undefined {
    const d = this.map.get(key)
    if (d) {
      this.map.delete(key)
      this.map.set(key, d)
    }
    return d
  }

  set(key: string, doc: HotDoc): void {
    const old = this.map.get(key)
    if (old && old !== doc) old.stale = true
    this.map.delete(key)
    this.map.set(key, doc)
    this.evict()
  }

  pin(doc: HotDoc): void {
    doc.pins++
  }

  unpin(doc: HotDoc): void {
    if (doc.pins > 0) doc.pins--
    if (doc.pins === 0 && doc.stale) doc.doc.destroy()
    this.evict()
  }

  /** Drops the entry (a pinned document is only marked stale; its holder keeps using its reference). */
  delete(key: string): void {
    const d = this.map.get(key)
    if (d) this.discard(key, d)
  }

  /** Drops `doc` if it is still the entry of `key`, and marks it stale so no one reuses it. */
  discard(key: string, doc: HotDoc): void {
    doc.stale = true
    if (this.map.get(key) === doc) this.map.delete(key)
    if (doc.pins === 0) doc.doc.destroy()
  }

  /** Evicts least recently used unpinned documents while over the bound. */
  private evict(): void {
    if (this.map.size <= this.max) return
    for (const [k, d] of this.map) {
      if (this.map.size <= this.max) return
      if (d.pins > 0) continue
      this.map.delete(k)
      d.doc.destroy()
    }
  }

  entries(): IterableIterator<[string, HotDoc]> {
    return this.map.entries()
  }

  get size(): number {
    return this.map.size
  }
}

/**
 * The documents one batch holds: pinned while the batch runs, and settled by its outcome
 * (`committed`, or `failed`: the documents it changed are discarded and reload from the log).
 */
export class BatchDocs {
  readonly cache: DocCache
  /** pinned documents by engagement key */
  readonly held = new Map<string, HotDoc>()
  /** documents this batch applied updates to */
  private readonly touched = new Map<string, HotDoc>()

  constructor(cache: DocCache) {
    this.cache = cache
  }

  hold(key: string, doc: HotDoc): void {
    if (this.held.get(key) === doc) return
    const before = this.held.get(key)
    if (before) this.cache.unpin(before)
    this.cache.pin(doc)
    this.held.set(key, doc)
  }

  /** Call before applying an update: until the outcome is known the document is suspect. */
  touch(key: string, doc: HotDoc): void {
    if (this.touched.has(key)) return
    doc.uncommitted++
    this.touched.set(key, doc)
  }

  committed(): void {
    for (const doc of this.touched.values()) doc.release()
    this.unpinAll()
  }

  failed(): void {
    // Discard before waking waiters, so they see the document stale.
    for (const [k, doc] of this.touched) this.cache.discard(k, doc)
    for (const doc of this.touched.values()) doc.release()
    this.unpinAll()
  }

  private unpinAll(): void {
    this.touched.clear()
    for (const doc of this.held.values()) this.cache.unpin(doc)
    this.held.clear()
  }
}
