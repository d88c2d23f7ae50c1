/**
 * The real-time engine on one node: sessions, group commit, fan-out (local after commit,
 * remote through the bus), boards and presence. Transport-agnostic: the gateway hands it
 * authenticated users with a `Peer` and raw frames.
 */
import { CLOSE, type SessionUser } from '@switchboard/protocol'
import { Bus, BUS_CHANNEL, type BusMessage } from '../bus/bus.ts'
import type { Config } from '../config.ts'
import { key, type Engagement, type LogRow } from '../domain/engagement/model.ts'
import { DocCache } from '../domain/notes/doc-cache.ts'
import { clusterHeartbeat, joinCluster, leaveCluster } from '../store/cluster.ts'
import { getEngagements, readEventsAfter, type LogRange } from '../store/engagements.ts'
import type { Logger, Store } from '../store/port.ts'
import type { BatchOutcome } from './batch.ts'
import { Boards } from './boards.ts'
import { Handlers } from './handlers.ts'
import { Hub } from './hub.ts'
import { Metrics } from './metrics.ts'
import type { Op, OpSink } from './ops.ts'
import type { Peer } from './peer.ts'
import { clearNodePresence, leavePresence, PRESENCE_HEARTBEAT_MS, presenceHeartbeat, STALE_MS } from './presence.ts'
import { buildSnapshot, MAX_CATCH_UP_ROWS } from './reader.ts'
import { Semaphore } from './semaphore.ts'
import { Session, type Subscription } from './session.ts'
import { Writer } from './writer.ts'

/** The top-level settings the engine takes from `Config` as they are (with all of `Config['ws']`). */
const ENGINE_SETTINGS = ['nodeId', 'devSignIn', 'boardTickMs', 'groupCommitMs'] as const

/** The engine's part of the configuration: its type and values come from `Config`, field for field. */
export type EngineSettings = Pick<Config, (typeof ENGINE_SETTINGS)[number]> & Config['ws']

/** `config`'s part for the engine (no copy to keep in step: add a setting to `config.ts` and list it above). */
export function engineSettings(config: Config): EngineSettings {
  const picked = Object.fromEntries(ENGINE_SETTINGS.map((k) => [k, config[k]])) as Pick<Config, (typeof ENGINE_SETTINGS)[number]>
  return { ...config.ws, ...picked }
}

export interface EngineOptions extends EngineSettings {
  store: Store
  logger: Logger
  /** `secretFingerprint(SESSION_SECRET)`: the cluster's nodes must all have the same (`store/cluster.ts`). */
  secretFingerprint: string
  /** Hot notes documents kept in memory. */
  maxHotDocs?: number
  /** Reads for subscribers (snapshots, catch-ups, board snapshots) running at once; the rest queue. */
  maxSubscriberReads?: number
}

/** Row kinds that change what `engagement.changed` shows (notes only move the preview). */
const PROJECTION_KINDS = new Set(['context', 'status', 'variables', 'help'])
const HELLO_TIMEOUT_MS = 10_000

export class Engine implements OpSink {
  readonly hub = new Hub()
  readonly metrics = new Metrics()
  readonly docs: DocCache
  /** Bounds concurrent subscriber reads so they queue in order instead of timing out in the pool. */
  readonly reads: Semaphore
  readonly writer: Writer
  readonly boards: Boards
  readonly handlers: Handlers
  bus: Bus | undefined
  shuttingDown = false
  readonly o: EngineOptions
  private remote: Promise<void> = Promise.resolve()
  /** highest seq per engagement this node has fanned out */
  private readonly delivered = new Map<string, number>()
  private presenceTimer: NodeJS.Timeout | undefined

  constructor(o: EngineOptions) {
    this.o = o
    this.docs = new DocCache(o.maxHotDocs ?? 2000)
    this.reads = new Semaphore(o.maxSubscriberReads ?? 4)
    this.boards = new Boards(o.store, this.hub, o.logger, this.metrics, o.boardTickMs, this.reads)
    this.writer = new Writer({
      store: o.store, docs: this.docs, logger: o.logger, metrics: this.metrics,
      notice: (e) => (this.bus ? { channel: BUS_CHANNEL, payloads: this.bus.payloads({ e }) } : null),
      groupCommitMs: o.groupCommitMs,
      onCommitted: (out) => this.fanOut(out),
      onAvailability: (up) => this.hub.broadcast(JSON.stringify(up
        ? { type: 'notice', code: 'saving-resumed', message: 'Saving resumed.' }
        : { type: 'notice', code: 'saving-delayed', message: 'Saving is delayed: the database is unreachable. Your changes are kept and retried.' })),
    })
    this.handlers = new Handlers({
      settings: o, store: o.store, logger: o.logger, metrics: this.metrics, reads: this.reads, hub: this.hub, boards: this.boards,
      submit: (op) => this.submit(op),
      savingAvailable: () => this.writer.available,
      presenceChanged: async (accountId, userId) => {
        await this.bus?.publish(o.store, { p: [[accountId, userId]] })
      },
    })
    this.hub.catchUp = (s, sub) => void this.catchUp(s, sub)
  }

  /** Throws `ClusterSecretMismatch` when a live node on this database uses another SESSION_SECRET. */
  async start(): Promise<void> {
    try {
      await joinCluster(this.o.store, this.o.nodeId, this.o.secretFingerprint, STALE_MS)
    } catch (err) {
      await this.writer.drain()
      throw err
    }
    await clearNodePresence(this.o.store, this.o.nodeId)
    this.bus = new Bus(this.o.store, this.o.nodeId, this.o.logger, {
      onMessage: (msg) => {
        this.remote = this.remote.then(() => this.applyRemote(msg)).catch((err: unknown) => {
          this.o.logger.warn({ err }, 'remote fan-out failed')
        })
      },
      onListening: () => this.resyncAll(),
      onLost: () => {},
    })
    await this.bus.start()
    this.presenceTimer = setInterval(() => {
      presenceHeartbeat(this.o.store, this.o.nodeId).then((swept) => {
        for (const [a, u] of swept) this.boards.markAgent(a, u)
      }, (err: unknown) => this.o.logger.debug({ err }, 'presence heartbeat failed'))
      clusterHeartbeat(this.o.store, this.o.nodeId, this.o.secretFingerprint)
        .catch((err: unknown) => this.o.logger.debug({ err }, 'cluster heartbeat failed'))
    }, PRESENCE_HEARTBEAT_MS)
    this.presenceTimer.unref()
  }

  connect(user: SessionUser, peer: Peer): Session {
    const s = new Session(user, peer, this.o, Date.now())
    s.onOverflow = () => { this.metrics.slowConsumers++ }
    s.onError = (code) => this.metrics.error(code)
    this.hub.add(s)
    const timer = setTimeout(() => {
      if (!s.helloDone) s.close(CLOSE.HELLO_TIMEOUT, 'HELLO_TIMEOUT')
    }, HELLO_TIMEOUT_MS)
    timer.unref()
    return s
  }

  disconnect(s: Session): void {
    s.closed = true
    this.hub.remove(s)
    if (!s.helloDone || this.shuttingDown) return
    leavePresence(this.o.store, s.id)
      .then(() => this.bus?.publish(this.o.store, { p: [[s.user.accountId, s.user.id]] }))
      .catch((err: unknown) => this.o.logger.debug({ err }, 'presence leave failed'))
    this.boards.markAgent(s.user.accountId, s.user.id)
  }

  frame(s: Session, raw: string | Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    this.handlers.frame(s, raw, isBinary)
  }

  /**
   * The write pipeline's entry for every source (sockets, Zoom webhooks): the op is committed by
   * the group-commit writer and answered through its reply sink (`ops.ts`).
   */
  submit(op: Op): void {
    if (this.shuttingDown) {
      op.reply.refuse({ opId: op.opId, engagementId: op.command.engagementId, code: 'SHUTTING_DOWN', retryAfterMs: 1000 })
      return
    }
    this.writer.submit(op)
  }

  private fanOut(out: BatchOutcome): void {
    for (const f of out.focus) {
      f.session.focus = f.engagementId
      this.boards.markAgent(f.accountId, f.userId)
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
      this.metrics.fanoutOutOfOrder++
      this.metrics.fanoutFrames += this.hub.deliver(e, rows, false, undefined, senders)
      for (const r of rows) if (r.kind === 'focus') this.boards.markAgent(e.accountId, r.actorId)
      // The later batch sent no `engagement.changed` if its own rows changed no projection.
      if (changed || previousAgentId) void this.refreshProjection(k, e, previousAgentId)
      return
    }
    this.metrics.fanoutFrames += this.hub.deliver(e, rows, changed, previousAgentId, senders)
    const last = rows[rows.length - 1]
    if (last) this.delivered.set(k, Math.max(this.delivered.get(k) ?? 0, last.seq))
    if (this.delivered.size > 100_000) this.delivered.clear()
    this.boards.markEngagement(e)
    if (changed) this.boards.markAgent(e.accountId, e.agentId)
    // Focus lives in presence rows: the roster's "current focus" of that agent changed.
    for (const r of rows) if (r.kind === 'focus') this.boards.markAgent(e.accountId, r.actorId)
    if (previousAgentId) this.boards.markAgent(e.accountId, previousAgentId)
  }

  /** Sends an engagement's current projection from the database (after an out-of-order fan-out). */
  private async refreshProjection(k: string, stale: Engagement, previousAgentId: string | undefined): Promise<void> {
    try {
      const [fresh] = await this.reads.run(() => getEngagements(this.o.store, [{ accountId: stale.accountId, engagementId: stale.id }]))
      // Gone, or a newer fan-out is already out with a newer projection.
      if (!fresh || fresh.lastSeq < (this.delivered.get(k) ?? 0)) return
      this.hub.deliver(fresh, [], true, previousAgentId)
      this.boards.markEngagement(fresh)
      this.boards.markAgent(fresh.accountId, fresh.agentId)
      if (previousAgentId) this.boards.markAgent(fresh.accountId, previousAgentId)
    } catch (err) {
      this.o.logger.warn({ err }, 'projection refresh after an out-of-order fan-out failed')
    }
  }

  /** Rows committed by another node: read them (ids came over the bus) and fan out here. */
  private async applyRemote(msg: BusMessage): Promise<void> {
    this.metrics.remoteBatches++
    for (const [a, u] of msg.p ?? []) this.boards.markAgent(a, u)
    for (const a of msg.s ?? []) this.boards.markThresholds(a)
    if (msg.x) this.forget(msg.x)
    const wanted: LogRange[] = []
    for (const [a, e, from, to] of msg.e ?? []) {
      if (!this.hub.hasAccount(a)) continue
      const have = this.delivered.get(key(a, e))
      if (have !== undefined && have >= to) continue
      wanted.push({ accountId: a, engagementId: e, afterSeq: have ?? from - 1 })
    }
    if (wanted.length === 0) return
    const [engs, rows] = await Promise.all([
      getEngagements(this.o.store, wanted),
      readEventsAfter(this.o.store, wanted),
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
      if (last) this.metrics.fanoutLag(now - last.at)
    }
  }

  /**
   * Engagements erased (here, or on another node through the bus): drop their hot notes
   * documents and fan-out marks, tell and unsubscribe every session that follows them, and
   * take them off the boards.
   */
  forget(keys: readonly (readonly [accountId: string, engagementId: string, agentId: string])[]): void {
    for (const [a, e, agentId] of keys) {
      const k = key(a, e)
      this.docs.delete(k)
      this.delivered.delete(k)
      this.hub.forget(a, e, agentId)
      this.boards.markErased(a, e)
    }
  }

  /** Catches one subscription up from the log after a gap (or sends a snapshot if far behind). */
  async catchUp(s: Session, sub: Subscription): Promise<void> {
    if (sub.catchingUp || s.closed) return
    sub.catchingUp = true
    sub.ready = false
    this.metrics.catchUps++
    try {
      await this.reads.run(async () => {
        if (s.closed) return
        const rows = await readEventsAfter(this.o.store, [{ accountId: sub.accountId, engagementId: sub.engagementId, afterSeq: sub.lastSeq }])
        if (rows.length > MAX_CATCH_UP_ROWS) {
          const [e] = await getEngagements(this.o.store, [{ accountId: sub.accountId, engagementId: sub.engagementId }])
          if (e) {
            s.sendJson(await buildSnapshot(this.o.store, e, 'gap'))
            sub.lastSeq = e.lastSeq
          }
        } else if (rows.length > 0) {
          sub.pending.push(...rows)
        }
      })
    } catch (err) {
      this.o.logger.warn({ err }, 'catch-up failed')
    } finally {
      sub.catchingUp = false
      this.hub.release(s, sub)
    }
  }

  /** After the LISTEN connection is (re)established: catch every subscription and board up. */
  private resyncAll(): void {
    for (const s of this.hub.sessions) {
      for (const sub of s.subs.values()) if (sub.ready) void this.catchUp(s, sub)
      if (s.board) {
        this.boards.unsubscribe(s)
        this.boards.subscribe(s).catch((err: unknown) => this.o.logger.warn({ err }, 'board resync failed'))
      }
    }
  }

  stats(): Record<string, number> {
    const byRole: Record<string, number> = { agent: 0, supervisor: 0, admin: 0 }
    for (const s of this.hub.sessions) byRole[s.user.role] = (byRole[s.user.role] ?? 0) + 1
    let boards = 0
    for (const set of this.hub.boards.values()) boards += set.size
    return {
      sockets: this.hub.sessions.size, agentSockets: byRole['agent']!, supervisorSockets: byRole['supervisor']!,
      adminSockets: byRole['admin']!, boards, queuedOps: this.writer.queued, hotDocs: this.docs.size,
      opsTotal: this.metrics.opsTotal, listening: this.bus?.listening ? 1 : 0, databaseUp: this.writer.available ? 1 : 0,
    }
  }

  metricsText(): Promise<string> {
    const byRole: Record<string, number> = { agent: 0, supervisor: 0, admin: 0 }
    let boards = 0
    for (const s of this.hub.sessions) byRole[s.user.role] = (byRole[s.user.role] ?? 0) + 1
    for (const set of this.hub.boards.values()) boards += set.size
    return this.metrics.render({
      socketsByRole: byRole, listening: this.bus?.listening ?? false, available: this.writer.available, boards,
      hotDocs: this.docs.size, queued: this.writer.queued, busReconnects: this.bus?.reconnects ?? 0, nodeId: this.o.nodeId,
      readsQueued: this.reads.queued,
    })
  }

  /** Drains writes (acks go out), tells every socket "going away", closes the bus and presence. */
  async shutdown(): Promise<void> {
    if (this.shuttingDown) return
    this.shuttingDown = true
    await this.writer.drain()
    const notice = JSON.stringify({ type: 'notice', code: 'going-away', message: 'The server is restarting; reconnecting shortly.' })
    for (const s of [...this.hub.sessions]) {
      s.send(notice)
      s.close(CLOSE.GOING_AWAY, 'SHUTTING_DOWN')
      this.hub.remove(s)
    }
    this.boards.close()
    clearInterval(this.presenceTimer)
    await this.remote.catch(() => {})
    await this.bus?.close().catch(() => {})
    await clearNodePresence(this.o.store, this.o.nodeId).catch(() => {})
    await leaveCluster(this.o.store, this.o.nodeId).catch(() => {})
  }
}
