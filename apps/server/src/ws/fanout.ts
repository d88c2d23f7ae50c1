/**
 * Fan-out: the rows and projections of a commit (this node's, or another node's announced over
 * the bus) go to this node's sessions through the hub and to the boards; it owns what this node
 * has delivered per engagement, the catch-up of a session that fell behind and the resync after
 * the bus reconnects. The last step of the write path (… → writer → batch → store → fan-out → hub).
 */
import { key, type Engagement, type LogRow } from '../domain/engagement/model.ts'
import { getEngagements, readEventsAfter, type LogRange } from '../store/engagements.ts'
import type { Logger, Store } from '../store/port.ts'
import type { BatchOutcome, CommittedRange } from './batch.ts'
import type { Boards } from './boards.ts'
import type { Hub } from './hub.ts'
import type { Metrics } from './metrics.ts'
import { buildSnapshot, MAX_CATCH_UP_ROWS } from './reader.ts'
import type { Semaphore } from './semaphore.ts'
import type { Session, Subscription } from './session.ts'

/** Row kinds that change what `engagement.changed` shows (notes only move the preview). */
const PROJECTION_KINDS = new Set(['context', 'status', 'variables', 'help'])

export interface FanOutPorts {
  store: Store
  logger: Logger
  metrics: Metrics
  reads: Semaphore
  hub: Hub
  boards: Boards
}

export class FanOut {
  private readonly p: FanOutPorts
  /** highest seq per engagement this node has fanned out */
  private readonly delivered = new Map<string, number>()

  constructor(ports: FanOutPorts) {
    this.p = ports
  }

  /** A batch this node committed: its focus, rows and projections to this node's sessions and boards. */
  committed(out: BatchOutcome): void {
    for (const f of out.focus) {
      f.session.focus = f.engagementId
      this.p.boards.markAgent(f.accountId, f.userId)
    }
    for (const [k, e] of out.engagements) {
      const rows = out.rows.get(k) ?? []
      this.deliver(k, e, rows, out.takeovers.get(k), out.senders)
    }
  }

  private deliver(
    k: string, e: Engagement, rows: readonly LogRow[], previousAgentId: string | undefined, senders?: ReadonlyMap<LogRow, string>,
  ): void {
    const changed = rows.some((r) => PROJECTION_KINDS.has(r.kind))
    if (e.lastSeq < (this.delivered.get(k) ?? 0)) {
      // A later batch of this engagement fanned out first: it took the row lock after this one
      // committed, and its commit reply came back sooner. Its projection (which includes this
      // batch) is already out, so this older one must not replace it on boards or in the agent's
      // sessions. The rows still go: a subscriber past them drops them, one behind catches up.
      this.p.metrics.fanoutOutOfOrder++
      this.p.metrics.fanoutFrames += this.p.hub.deliver(e, rows, false, undefined, senders)
      for (const r of rows) if (r.kind === 'focus') this.p.boards.markAgent(e.accountId, r.actorId)
      // The later batch sent no `engagement.changed` if its own rows changed no projection.
      if (changed || previousAgentId) void this.refreshProjection(k, e, previousAgentId)
      return
    }
    this.p.metrics.fanoutFrames += this.p.hub.deliver(e, rows, changed, previousAgentId, senders)
    const last = rows[rows.length - 1]
    if (last) this.delivered.set(k, Math.max(this.delivered.get(k) ?? 0, last.seq))
    if (this.delivered.size > 100_000) this.delivered.clear()
    this.p.boards.markEngagement(e)
    if (changed) this.p.boards.markAgent(e.accountId, e.agentId)
    // Focus lives in presence rows: the roster's "current focus" of that agent changed.
    for (const r of rows) if (r.kind === 'focus') this.p.boards.markAgent(e.accountId, r.actorId)
    if (previousAgentId) this.p.boards.markAgent(e.accountId, previousAgentId)
  }

  /** Sends an engagement's current projection from the database (after an out-of-order fan-out). */
  private async refreshProjection(k: string, stale: Engagement, previousAgentId: string | undefined): Promise<void> {
    try {
      const [fresh] = await this.p.reads.run(() => getEngagements(this.p.store, [{ accountId: stale.accountId, engagementId: stale.id }]))
      // Gone, or a newer fan-out is already out with a newer projection.
      if (!fresh || fresh.lastSeq < (this.delivered.get(k) ?? 0)) return
      this.p.hub.deliver(fresh, [], true, previousAgentId)
      this.p.boards.markEngagement(fresh)
      this.p.boards.markAgent(fresh.accountId, fresh.agentId)
      if (previousAgentId) this.p.boards.markAgent(fresh.accountId, previousAgentId)
    } catch (err) {
      this.p.logger.warn({ err }, 'projection refresh after an out-of-order fan-out failed')
    }
  }

  /** Rows another node committed (their ranges came over the bus): read them and fan out here. */
  async remote(ranges: readonly CommittedRange[]): Promise<void> {
    const wanted: LogRange[] = []
    for (const [a, e, from, to] of ranges) {
      if (!this.p.hub.hasAccount(a)) continue
      const have = this.delivered.get(key(a, e))
      if (have !== undefined && have >= to) continue
      wanted.push({ accountId: a, engagementId: e, afterSeq: have ?? from - 1 })
    }
    if (wanted.length === 0) return
    const [engs, rows] = await Promise.all([
      getEngagements(this.p.store, wanted),
      readEventsAfter(this.p.store, wanted),
    ])
    const byKey = new Map<string, LogRow[]>()
    for (const r of rows) {
      const k = key(r.accountId, r.engagementId)
      let list = byKey.get(k)
      if (!list) byKey.set(k, (list = []))
      list.push(r)
    }
    const now = Date.now()
    for (const e of engs) {
      const k = key(e.accountId, e.id)
      const list = byKey.get(k) ?? []
      const takeover = list.find((r) => r.kind === 'context' && r.data['takeover'])
      const prev = (takeover?.data['takeover'] as { fromAgentId?: string } | undefined)?.fromAgentId
      this.deliver(k, e, list, prev)
      const last = list[list.length - 1]
      if (last) this.p.metrics.fanoutLag(now - last.at)
    }
  }

  /** An erased engagement: forget what was delivered, tell and unsubscribe its followers, take it off the boards. */
  forget(accountId: string, engagementId: string, agentId: string): void {
    this.delivered.delete(key(accountId, engagementId))
    this.p.hub.forget(accountId, engagementId, agentId)
    this.p.boards.markErased(accountId, engagementId)
  }

  /** Catches one subscription up from the log after a gap (or sends a snapshot if far behind). */
  async catchUp(s: Session, sub: Subscription): Promise<void> {
    if (sub.catchingUp || s.closed) return
    sub.catchingUp = true
    sub.ready = false
    this.p.metrics.catchUps++
    try {
      await this.p.reads.run(async () => {
        if (s.closed) return
        const rows = await readEventsAfter(this.p.store, [{ accountId: sub.accountId, engagementId: sub.engagementId, afterSeq: sub.lastSeq }])
        if (rows.length > MAX_CATCH_UP_ROWS) {
          const [e] = await getEngagements(this.p.store, [{ accountId: sub.accountId, engagementId: sub.engagementId }])
          if (e) {
            s.sendJson(await buildSnapshot(this.p.store, e, 'gap'))
            sub.lastSeq = e.lastSeq
          }
        } else if (rows.length > 0) {
          sub.pending.push(...rows)
        }
      })
    } catch (err) {
      this.p.logger.warn({ err }, 'catch-up failed')
    } finally {
      sub.catchingUp = false
      this.p.hub.release(s, sub)
    }
  }

  /** After the LISTEN connection is (re)established: catch every subscription and board up. */
  resync(): void {
    for (const s of this.p.hub.sessions) {
      for (const sub of s.subs.values()) if (sub.ready) void this.catchUp(s, sub)
      if (s.board) {
        this.p.boards.unsubscribe(s)
        this.p.boards.subscribe(s).catch((err: unknown) => this.p.logger.warn({ err }, 'board resync failed'))
      }
    }
  }
}
