/**
 * Hot documents shared by group-commit batches (real embedded PGlite, real `runBatch`): a
 * batch keeps the documents it loaded even when the LRU is smaller than what it needs, and a
 * rolled-back batch drops only the documents it changed, never a fresher copy.
 */
import * as Y from 'yjs'
import { beforeAll, describe, expect, it } from 'vitest'
import type { SessionUser } from '@switchboard/protocol'
import { key } from '../../src/domain/engagement/model.ts'
import { BatchDocs, DocCache } from '../../src/domain/notes/doc-cache.ts'
import { plainText } from '../../src/domain/notes/doc.ts'
import type { Store, Tx } from '../../src/store/port.ts'
import { runBatch } from '../../src/ws/batch.ts'
import type { Op } from '../../src/ws/ops.ts'
import { releasedAfterAll } from '../../../../tests/support/release.ts'
import { openMemoryStore, opMaker } from './batch-docs-helpers.ts'

let store: Store
const user: SessionUser = { accountId: 'acc1', id: 'agent1', role: 'agent', displayName: 'Ann' }
const { observe: observeOp, type: typeOp } = opMaker(user)

const keep = releasedAfterAll()
beforeAll(async () => {
  store = keep(await openMemoryStore(user))
}, 60_000)

async function commit(cache: DocCache, batch: Op[]): Promise<ReturnType<typeof runBatch>> {
  const bd = new BatchDocs(cache)
  try {
    const out = await store.writes.transaction((tx) => runBatch(tx, batch, bd, null, Date.now()))
    bd.committed()
    return out
  } catch (err) {
    bd.failed()
    throw err
  }
}

describe('hot documents in a batch', () => {
  it('a batch needing more documents than the cache holds commits all of them', async () => {
    const cache = new DocCache(1)
    const ids = ['d-1', 'd-2', 'd-3']
    await commit(cache, ids.map(observeOp))
    const docs = ids.map(() => new Y.Doc())
    const out = await commit(cache, ids.map((id, i) => typeOp(id, docs[i]!, `hello ${id}`)))
    expect(out.results.every((r) => r.ok && !r.duplicate)).toBe(true)
    // Pins are released after the batch: the cache is back within its bound.
    expect(cache.size).toBe(1)
    // The next batch catches the evicted documents up from the log.
    const out2 = await commit(cache, ids.map((id, i) => typeOp(id, docs[i]!, ' again')))
    expect(out2.results.every((r) => r.ok)).toBe(true)
    for (const id of ids) {
      const e = out2.engagements.get(key('acc1', id))
      expect(e?.notesPreview).toBe(`hello ${id} again`)
    }
  })

  it('a batch waits for the outcome of the previous writer of its docs; a rolled-back one discards what it changed', async () => {
    const cache = new DocCache(10)
    await commit(cache, [observeOp('r-1')])
    const client = new Y.Doc()
    await commit(cache, [typeOp('r-1', client, 'kept')])
    const k = key('acc1', 'r-1')
    const committedDoc = cache.get(k)!

    // Batch A applies an update, then its transaction rolls back; its outcome is not settled yet.
    const a = new BatchDocs(cache)
    const lost = typeOp('r-1', new Y.Doc(), 'LOST')
    await expect(store.writes.transaction(async (tx) => {
      const failing: Tx = { query: (sql, params) => tx.query(sql, params), commitWith: () => Promise.reject(new Error('commit failed')) }
      await runBatch(failing, [lost], a, null, Date.now())
    })).rejects.toThrow('commit failed')
    expect(committedDoc.suspect).toBe(true)

    // Batch B takes the row lock next: it waits for A's outcome to reach this node, never
    // uses A's document, and reloads from the log.
    const b = new BatchDocs(cache)
    let bDone = false
    const bRun = store.writes.transaction((tx) => runBatch(tx, [typeOp('r-1', client, ' more')], b, null, Date.now()))
      .finally(() => { bDone = true })
    await expect.poll(() => committedDoc.waiting).toBe(1)
    expect(bDone).toBe(false)
    a.failed()
    const out = await bRun
    b.committed()
    const fresh = cache.get(k)!
    expect(fresh).not.toBe(committedDoc)
    expect(committedDoc.stale).toBe(true)
    expect(plainText(fresh.doc)).toBe('kept more')
    expect(out.engagements.get(k)?.notesPreview).toBe('kept more')
    expect(fresh.suspect).toBe(false)
    expect(fresh.pins).toBe(0)
  })
})

describe('DocCache', () => {
  it('never evicts a pinned document and goes back to its bound when unpinned', async () => {
    const { HotDoc } = await import('../../src/domain/notes/doc-cache.ts')
    const cache = new DocCache(1)
    const a = new HotDoc()
    cache.pin(a)
    cache.set('a', a)
    cache.set('b', new HotDoc())
    expect(cache.get('a')).toBe(a)
    expect(cache.size).toBe(1)
    const c = new HotDoc()
    cache.pin(c)
    cache.set('c', c)
    // Both pinned: over the bound until released.
    expect(cache.size).toBe(2)
    cache.unpin(a)
    expect(cache.size).toBe(1)
    expect(cache.get('c')).toBe(c)
    cache.delete('c')
    expect(c.stale).toBe(true)
    expect(cache.get('c')).toBeUndefined()
  })
})
