/**
 * The real-time engine on one node wires the write path, which runs one way: sessions' frames →
 * `Handlers` → `Writer` (group commit, `runBatch`) → store → `FanOut` (local after commit, remote
 * through the bus) → `Hub` and `Boards`; plus presence and cluster membership. Transport-agnostic:
 * the gateway hands it authenticated users with a `Peer` and raw frames.
 */
import { CLOSE, type SessionUser } from '@switchboard/protocol'
import { Bus, BUS_CHANNEL, type BusMessage } from '../bus/bus.ts'
import type { Config } from '../config.ts'
import { key } from '../domain/engagement/model.ts'
import { DocCache } from '../domain/notes/doc-cache.ts'
import { clusterHeartbeat, joinCluster, leaveCluster } from '../store/cluster.ts'
import type { Logger, Store } from '../store/port.ts'
import { clearNodePresence, leavePresence, PRESENCE_HEARTBEAT_MS, presenceHeartbeat, STALE_MS } from '../store/presence.ts'
import { Boards } from './boards.ts'
import { FanOut } from './fanout.ts'
import { Handlers } from './handlers.ts'
import { Hub } from './hub.ts'
import { Metrics } from './metrics.ts'
import type { Op, OpSink } from './ops.ts'
import type { Peer } from './peer.ts'
import { Semaphore } from './semaphore.ts'
import { Session } from './session.ts'
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

const HELLO_TIMEOUT_MS = 10_000

export class Engine implements OpSink {
  /** sessions and what they follow; a gap is caught up by the fan-out */
  readonly hub = new Hub((s, sub) => void this.fanout.catchUp(s, sub))
  readonly metrics = new Metrics()
  readonly docs: DocCache
  /** Bounds concurrent subscriber reads so they queue in order instead of timing out in the pool. */
  readonly reads: Semaphore
  readonly writer: Writer
  readonly boards: Boards
  readonly handlers: Handlers
  readonly fanout: FanOut
  bus: Bus | undefined
  shuttingDown = false
  readonly o: EngineOptions
  private remote: Promise<void> = Promise.resolve()
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
      onCommitted: (out) => this.fanout.committed(out),
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
    this.fanout = new FanOut({ store: o.store, logger: o.logger, metrics: this.metrics, reads: this.reads, hub: this.hub, boards: this.boards })
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
      onListening: () => this.fanout.resync(),
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

  /**
   * Engagements erased (here, or on another node through the bus): drop their hot notes
   * documents and fan-out marks, tell and unsubscribe every session that follows them, and
   * take them off the boards.
   */
  forget(keys: readonly (readonly [accountId: string, engagementId: string, agentId: string])[]): void {
    for (const [a, e, agentId] of keys) {
      this.docs.delete(key(a, e))
      this.fanout.forget(a, e, agentId)
    }
  }

  /** What another node announced: presence, thresholds and erasures, then its committed rows. */
  private async applyRemote(msg: BusMessage): Promise<void> {
    this.metrics.remoteBatches++
    for (const [a, u] of msg.p ?? []) this.boards.markAgent(a, u)
    for (const a of msg.s ?? []) this.boards.markThresholds(a)
    if (msg.x) this.forget(msg.x)
    await this.fanout.remote(msg.e ?? [])
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
