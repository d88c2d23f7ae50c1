/**
 * Group commit: ops arriving within `groupCommitMs` go into one transaction (up to two
 * batches in flight; meanwhile the next batch gathers), on the store's write lane (its own
 * connections, so reads never starve commits). Acks are sent only after COMMIT. A batch
 * that loses its connection is retried if the writer's probe reaches the database; if not,
 * the node is down: every op is answered UNAVAILABLE with a retry hint (the client keeps it
 * in its outbox), sockets stay open, and sessions get a `saving-delayed` notice, then
 * `saving-resumed` once a probe succeeds.
 */
import { key } from '../domain/engagement/model.ts'
import { BatchDocs, type DocCache, type HotDoc } from '../domain/notes/doc-cache.ts'
import { plainText, wrapupOf } from '../domain/notes/doc.ts'
import { saveSnapshot } from '../store/notes.ts'
import { isDataException, isUnavailable, sqlstate, SQLSTATE } from '../store/errors.ts'
import type { Logger, Store } from '../store/port.ts'
import * as Y from 'yjs'
import { runBatch, type BatchOutcome, type CommitNotice, type OpResult } from './batch.ts'
import type { Metrics } from './metrics.ts'
import type { Op, OpSink } from './ops.ts'

const MAX_BATCH = 400
const MAX_IN_FLIGHT = 2
const RETRY_AFTER_MS = 1000
const PROBE_TIMEOUT_MS = 5000
/**
 * Compact a hot doc (snapshot + plain text + wrap-up, one row write) after this many updates,
 * or once it has been idle this long: search and export lag typing by about a second, and a
 * keystroke never rewrites the whole notes text.
 */
const COMPACT_EVERY = 50
const COMPACT_IDLE_MS = 1000

export interface WriterOptions {
  store: Store
  docs: DocCache
  /** NOTIFY payloads for what a batch committed (the engine's bus), or null before the bus runs. */
  notice: CommitNotice
  logger: Logger
  metrics: Metrics
  groupCommitMs: number
  /** after the batch's acks went out (rows, projections, focus of a committed batch) */
  onCommitted(outcome: BatchOutcome): void
  onAvailability(up: boolean): void
}

export class Writer implements OpSink {
  private queue: Op[] = []
  private timer: NodeJS.Timeout | undefined
  private inFlight = 0
  /** engagement key -> batches in flight holding an observe of it */
  private readonly creating = new Map<string, number>()
  private probe: NodeJS.Timeout | undefined
  private compactTimer: NodeJS.Timeout
  private closed = false
  /** the compaction running now, if any */
  private compacting: Promise<void> | undefined
  available = true
  private readonly o: WriterOptions

  constructor(o: WriterOptions) {
    this.o = o
    this.compactTimer = setInterval(() => {
      if (this.inFlight === 0 && this.queue.length === 0) void this.compact(false)
    }, 1000)
    this.compactTimer.unref()
  }

  get queued(): number {
    return this.queue.length
  }

  submit(op: Op): void {
    if (!this.available || this.closed) {
      this.unavailable(op)
      return
    }
    this.queue.push(op)
    this.schedule()
  }

  private schedule(): void {
    if (this.timer || this.inFlight >= MAX_IN_FLIGHT) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.launch()
    }, this.o.groupCommitMs)
  }

  /**
   * Starts batches while fewer than MAX_IN_FLIGHT are committing. Two in flight overlap one
   * batch's round trips with the next one's; batches touching the same engagement still
   * serialize on its row lock (sorted order, so they cannot deadlock).
   */
  private launch(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0) {
      if (!this.available) {
        this.failAll(this.queue.splice(0))
        return
      }
      const batch = this.take()
      if (batch.length === 0) return
      const creating = batch.filter((op) => op.command.type === 'engagement.observe').map((op) => key(op.actor.accountId, op.command.engagementId))
      for (const k of creating) this.creating.set(k, (this.creating.get(k) ?? 0) + 1)
      this.inFlight++
      void this.commit(batch, 0).finally(() => {
        for (const k of creating) {
          const n = (this.creating.get(k) ?? 1) - 1
          if (n === 0) this.creating.delete(k)
          else this.creating.set(k, n)
        }
        this.inFlight--
        if (this.queue.length > 0) this.launch()
        else if (this.inFlight === 0) void this.compact(false)
      })
    }
  }

  /**
   * The next batch from the queue. An engagement that a batch in flight may be creating is
   * invisible to a concurrent transaction until that commits, so ops on it wait for the next
   * batch (keeping their order); everything else goes now.
   */
  private take(): Op[] {
    if (this.creating.size === 0) return this.queue.splice(0, MAX_BATCH)
    const batch: Op[] = []
    const rest: Op[] = []
    for (const op of this.queue) {
      if (batch.length < MAX_BATCH && !this.creating.has(key(op.actor.accountId, op.command.engagementId))) batch.push(op)
      else rest.push(op)
    }
    this.queue = rest
    return batch
  }

  private async commit(batch: Op[], attempt: number): Promise<void> {
    const started = performance.now()
    const now = Date.now()
    const bd = new BatchDocs(this.o.docs)
    let outcome: BatchOutcome
    try {
      outcome = await this.o.store.writes.transaction((tx) => runBatch(tx, batch, bd, this.o.notice, now))
    } catch (err) {
      // Hot docs this batch changed hold updates of the rolled-back transaction: they reload from the log.
      bd.failed()
      await this.failed(batch, attempt, err)
      return
    }
    bd.committed()
    this.o.metrics.commit(performance.now() - started, batch.length)
    await this.snapshotEnded(outcome)
    try {
      this.answer(outcome.results)
      this.o.onCommitted(outcome)
    } catch (err) {
      // Committed: never retry (that would answer duplicates); subscribers catch up on the next gap.
      this.o.logger.error({ err }, 'fan-out after commit failed')
    }
  }

  /** Sends each op's answer to its reply sink. */
  private answer(results: readonly OpResult[]): void {
    for (const r of results) {
      const { op } = r
      if (r.ok) {
        this.o.metrics.opAck(Date.now() - op.receivedAt, op.actor.source)
        if (r.duplicate) this.o.metrics.outboxReplays++
        op.reply.ack({ opId: op.opId, engagementId: r.engagementId, seq: r.seq, duplicate: r.duplicate })
      } else {
        this.o.metrics.opsRejected++
        op.reply.refuse({ opId: op.opId, engagementId: op.command.engagementId, code: r.code })
      }
    }
  }

  private unavailable(op: Op): void {
    op.reply.refuse({ opId: op.opId, engagementId: op.command.engagementId, code: 'UNAVAILABLE', retryAfterMs: RETRY_AFTER_MS })
  }

  private async failed(batch: Op[], attempt: number, err: unknown): Promise<void> {
    if (isUnavailable(err)) {
      // A lost connection, or a connect timeout, which an overloaded database produces as well:
      // the writer's own probe decides whether the database is down. Retrying is safe: a
      // repeated op id is answered from the log.
      const up = this.available && await this.reachable()
      if (up && attempt < 2) {
        this.o.logger.warn({ err }, 'group commit lost its connection; the database answers, retrying')
        await this.commit(batch, attempt + 1)
        return
      }
      this.failAll(batch)
      if (up) {
        this.o.logger.warn({ err }, 'group commit failed again on its connection: ops answered UNAVAILABLE')
      } else {
        this.o.logger.warn({ err }, 'database unreachable: ops answered UNAVAILABLE')
        this.down()
      }
      return
    }
    const code = sqlstate(err)
    if (code === SQLSTATE.UNIQUE_VIOLATION && attempt < 3) {
      // A concurrent node committed the same op id or dedup key first: the retry sees it.
      await this.commit(batch, attempt + 1)
      return
    }
    if (batch.length > 1) {
      for (const op of batch) await this.commit([op], 3)
      return
    }
    // Class 22 (data exception): a value Postgres cannot store, such as a NUL in a string. The
    // client's op is at fault, and a retryable INTERNAL would make it resend forever.
    if (isDataException(err)) {
      this.o.logger.warn({ pgCode: code, opType: batch[0]?.command.type }, 'op refused: value not storable')
      this.answer(batch.map((op) => ({ op, ok: false, code: 'BAD_MESSAGE' })))
      return
    }
    this.o.logger.error({ err, opType: batch[0]?.command.type }, 'op failed')
    this.answer(batch.map((op) => ({ op, ok: false, code: 'INTERNAL' })))
  }

  /** The writer's probe, on its own connections, bounded in time. */
  private async reachable(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined
    try {
      await Promise.race([
        this.o.store.writes.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('probe timed out')), PROBE_TIMEOUT_MS)
        }),
      ])
      return true
    } catch {
      return false
    } finally {
      clearTimeout(timer)
    }
  }

  private failAll(batch: Op[]): void {
    for (const op of batch) this.unavailable(op)
  }

  private down(): void {
    if (!this.available) return
    this.available = false
    this.o.onAvailability(false)
    const tryAgain = () => {
      this.probe = setTimeout(() => {
        void this.reachable().then((up) => {
          if (this.closed) return
          if (!up) {
            tryAgain()
            return
          }
          this.probe = undefined
          this.available = true
          this.o.onAvailability(true)
        })
      }, RETRY_AFTER_MS / 2)
    }
    tryAgain()
  }

  /**
   * Writes compacted snapshots of hot docs that changed enough (or all changed ones when `all`,
   * after any compaction already running, so shutdown never closes the store under one).
   */
  async compact(all: boolean): Promise<void> {
    if (this.compacting && !all) return
    while (this.compacting) await this.compacting
    if (!this.available) return
    this.compacting = this.compactDocs(all).finally(() => {
      this.compacting = undefined
    })
    await this.compacting
  }

  private async compactDocs(all: boolean): Promise<void> {
    const now = Date.now()
    for (const [k, hot] of [...this.o.docs.entries()]) {
      // A batch in flight may hold uncommitted updates in hot docs: never snapshot those.
      if (this.inFlight > 0) return
      if (hot.sinceSnapshot === 0 || hot.suspect) continue
      if (!all && hot.sinceSnapshot < COMPACT_EVERY && now - hot.lastWriteAt < COMPACT_IDLE_MS) continue
      if (!await this.writeSnapshot(k, hot)) return
    }
  }

  /**
   * An ended engagement's notes are final: their text, wrap-up and snapshot are written right
   * after the commit that ended it (or changed it after the end), before its acks and fan-out, so
   * history search and CSV export are complete the moment it leaves the board. Live engagements
   * wait for compaction (up to a second behind typing).
   */
  private async snapshotEnded(outcome: BatchOutcome): Promise<void> {
    for (const [k, e] of outcome.engagements) {
      if (e.state !== 'end') continue
      const hot = this.o.docs.get(k)
      // Suspect: another batch applied updates it has not committed (read in the same turn as the write takes its copy).
      if (!hot || hot.suspect || hot.sinceSnapshot === 0) continue
      await this.writeSnapshot(k, hot)
    }
  }

  /** Stores a hot doc's snapshot, plain text and wrap-up at its seq (copied before the first await); false when that failed. */
  private async writeSnapshot(k: string, hot: HotDoc): Promise<boolean> {
    const [accountId, engagementId] = k.split('\0') as [string, string]
    const seq = hot.seq
    try {
      await saveSnapshot(this.o.store.writes, {
        accountId, engagementId, snapshot: Y.encodeStateAsUpdate(hot.doc), seq,
        text: plainText(hot.doc), wrapup: wrapupOf(hot.doc),
      })
    } catch (err) {
      this.o.logger.warn({ err }, 'snapshot compaction failed')
      return false
    }
    hot.snapshotSeq = seq
    // Updates applied while it was written still wait for the next compaction.
    if (hot.seq === seq) hot.sinceSnapshot = 0
    return true
  }

  /** Finishes queued work and writes pending snapshots (shutdown). */
  async drain(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    this.launch()
    while (this.inFlight > 0 || (this.queue.length > 0 && this.available)) {
      await new Promise((r) => setTimeout(r, 5))
      this.launch()
    }
    this.closed = true
    clearInterval(this.compactTimer)
    clearTimeout(this.probe)
    await this.compact(true).catch(() => {})
  }
}
