/**
 * Hot notes documents in memory, bounded by an LRU. A `HotDoc` knows up to which log seq
 * of its engagement it has applied every doc row (`seq`), so a writer can catch it up from
 * the log when another node wrote meanwhile.
 */
import * as Y from 'yjs'

export class HotDoc {
  readonly doc = new Y.Doc()
  /** every doc row with seq <= this is applied */
  seq = 0
  /** seq included in the stored snapshot */
  snapshotSeq = 0
  /** doc rows applied since the stored snapshot */
  sinceSnapshot = 0
  lastWriteAt = 0
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
    this.map.delete(key)
    this.map.set(key, doc)
    while (this.map.size > this.max) {
      const oldest = this.map.keys().next().value as string
      this.map.get(oldest)?.doc.destroy()
      this.map.delete(oldest)
    }
  }

  delete(key: string): void {
    this.map.get(key)?.doc.destroy()
    this.map.delete(key)
  }

  entries(): IterableIterator<[string, HotDoc]> {
    return this.map.entries()
  }

  get size(): number {
    return this.map.size
  }
}
