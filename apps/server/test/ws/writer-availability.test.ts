/**
 * What a failed group commit does to availability (real embedded PGlite behind the store
 * port; only the write lane's failures are injected): a connection error while the writer's
 * own probe answers is retried and acked, never reported as an outage; an error the probe
 * confirms marks the node down until the probe succeeds again.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { SessionUser } from '@switchboard/protocol'
import { DocCache } from '../../src/domain/notes/doc-cache.ts'
import { StoreUnavailable } from '../../src/store/errors.ts'
import type { Lane, Store, Tx } from '../../src/store/port.ts'
import { Metrics } from '../../src/ws/metrics.ts'
import { Writer } from '../../src/ws/writer.ts'
import { releasedAfterAll } from '../../../../tests/support/release.ts'
import { silentLogger } from '../store/test-db.ts'
import { openMemoryStore, opMaker } from './batch-docs-helpers.ts'

let real: Store
const user: SessionUser = { accountId: 'acc1', id: 'agent1', role: 'agent', displayName: 'Ann' }

const keep = releasedAfterAll()
beforeAll(async () => {
  real = keep(await openMemoryStore(user))
}, 60_000)

/** The real store with a write lane whose next transactions / pings fail as told. */
function faulty(failTransactions: () => Error | null, failPing: () => boolean): Store {
  const writes: Lane = {
    query: (sql, params) => real.writes.query(sql, params),
    transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      const err = failTransactions()
      return err ? Promise.reject(err) : real.writes.transaction(fn)
    },
    ping: () => (failPing() ? Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')) : real.writes.ping()),
  }
  return { ...real, writes }
}

function harness(store: Store) {
  const ops = opMaker(user)
  const availability: boolean[] = []
  const writer = new Writer({
    store, docs: new DocCache(10), notice: () => null, logger: silentLogger, metrics: new Metrics(), groupCommitMs: 1,
    onCommitted() {}, onAvailability: (up) => availability.push(up),
  })
  return { writer, answers: ops.answers, availability, observe: ops.observe, docUpdate: ops.docUpdate }
}

/** What the store raises when the pool cannot connect in time, or a connection is lost. */
const poolTimeout = () => new StoreUnavailable(new Error('timeout exceeded when trying to connect'))

describe('writer availability', () => {
  it('a pool timeout while the probe answers is retried and acked; the node stays up', async () => {
    let failures = 1
    const h = harness(faulty(() => (failures-- > 0 ? poolTimeout() : null), () => false))
    const op = h.observe('w-1')
    h.writer.submit(op)
    await expect.poll(() => h.answers.length).toBe(1)
    expect(h.answers[0]).toMatchObject({ ok: true, seq: 1, duplicate: false })
    expect(h.availability).toEqual([])
    expect(h.writer.available).toBe(true)
    await h.writer.drain()
  })

  it('a connection error the probe confirms answers UNAVAILABLE and marks the node down until the probe succeeds', async () => {
    let down = true
    const h = harness(faulty(() => (down ? new StoreUnavailable(new Error('Connection terminated unexpectedly')) : null), () => down))
    const op = h.observe('w-2')
    h.writer.submit(op)
    await expect.poll(() => h.answers.find((a) => a.opId === op.opId)).toMatchObject({ ok: false, code: 'UNAVAILABLE', retryAfterMs: 1000 })
    expect(h.availability).toEqual([false])
    expect(h.writer.available).toBe(false)
    down = false
    await expect.poll(() => h.availability, { timeout: 5000 }).toEqual([false, true])
    h.writer.submit(op)
    await expect.poll(() => h.answers.length).toBe(2)
    expect(h.answers[1]).toMatchObject({ ok: true, seq: 1 })
    await h.writer.drain()
  })
})

describe('writer shutdown', () => {
  it('drain waits for a compaction already running, then compacts what is left', async () => {
    let active = 0
    let peak = 0
    const counting: Store = {
      ...real,
      writes: {
        query: async (sql, params) => {
          active++
          peak = Math.max(peak, active)
          try {
            return await real.writes.query(sql, params)
          } finally {
            active--
          }
        },
        transaction: (fn) => real.writes.transaction(fn),
        ping: () => real.writes.ping(),
      },
    }
    const h = harness(counting)
    const ids = ['s-1', 's-2', 's-3']
    for (const id of ids) h.writer.submit(h.observe(id))
    await expect.poll(() => h.answers.length).toBe(3)
    for (const id of ids) h.writer.submit(h.docUpdate(id, `notes of ${id}`))
    await expect.poll(() => h.answers.length).toBe(6)
    const running = h.writer.compact(true)
    await h.writer.drain()
    // Nothing of the store is in use once drain resolves: the store may close now.
    expect(active).toBe(0)
    expect(peak).toBeGreaterThan(0)
    await running
    const rows = await real.query<{ engagement_id: string; plain_text: string }>(
      `select engagement_id, plain_text from notes_docs where engagement_id like 's-%' order by engagement_id`)
    expect(rows.rows).toEqual(ids.map((id) => ({ engagement_id: id, plain_text: `notes of ${id}` })))
  })
})
