/**
 * What each client message does. Parsed once at the edge with the strict parser; every
 * message is rate-limited and authorized on its own (role and ownership per message).
 */
import {
  CLOSE, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, SUPERVISOR_ONLY, parseClientMessage,
  type ClientMessage, type ClientMessageType, type ClientOp,
} from '@switchboard/protocol'
import { canRead, isSupervisor } from '../domain/engagement/access.ts'
import { toLogEvent, toView } from '../domain/engagement/model.ts'
import { getEngagement, openEngagementsOf, readEventsAfter } from '../store/engagements.ts'
import { joinPresence } from '../store/presence.ts'
import { parseUpdate } from '../domain/notes/doc.ts'
import type { Config } from '../config.ts'
import type { Logger, Store } from '../store/port.ts'
import type { Boards } from './boards.ts'
import type { Hub } from './hub.ts'
import type { Metrics } from './metrics.ts'
import type { Op } from './ops.ts'
import { FLOOD_WINDOW_MS } from './rate-limit.ts'
import { buildSnapshot, MAX_CATCH_UP_ROWS } from './reader.ts'
import type { Session } from './session.ts'

/**
 * Frames that break the protocol (unparsable, wrong schema, unknown type, binary, hello out of
 * order) tolerated per flood window; the next one closes with 4000. Our own clients send none.
 * (Rate-limit rejections: up to `opsBurst` per window, then 4008.)
 */
export const MAX_INVALID_FRAMES = 50

/** Open engagements an agent session gets after `welcome` (most recently changed first). */
const AGENT_ENGAGEMENTS_MAX = 200

const OPS = new Set<ClientMessageType>([
  'engagement.observe', 'engagement.status', 'engagement.focus', 'engagement.variables',
  'doc.update', 'help.set', 'whisper.send', 'whisper.read',
])

/**
 * What message handling needs from the node, as narrow ports (the engine provides them): it
 * reads through `store` and `reads`, follows through `hub` and `boards`, and writes only through
 * `submit` (the write pipeline's entry), so the path runs one way: gateway → handlers → writer.
 */
export interface HandlerPorts {
  readonly settings: Pick<Config, 'nodeId' | 'devSignIn'> & Pick<Config['ws'], 'maxFrameBytes' | 'opsPerSecond' | 'opsBurst' | 'heartbeatMs'>
  readonly store: Store
  readonly logger: Logger
  readonly metrics: Metrics
  /** bounds concurrent subscriber reads (they queue in order) */
  readonly reads: { run<T>(fn: () => Promise<T>): Promise<T> }
  readonly hub: Pick<Hub, 'subscribe' | 'unsubscribe' | 'release'>
  readonly boards: Pick<Boards, 'subscribe' | 'unsubscribe' | 'markAgent'>
  /** commits an op (answered through its reply sink) */
  submit(op: Op): void
  /** whether the writer can save now (false during a database outage) */
  savingAvailable(): boolean
  /** tells every node that this user's presence changed */
  presenceChanged(accountId: string, userId: string): Promise<void>
}

export class Handlers {
  private readonly ports: HandlerPorts

  constructor(ports: HandlerPorts) {
    this.ports = ports
  }

  frame(s: Session, raw: string | Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    const { metrics, settings: o } = this.ports
    if (s.closed) return
    metrics.framesIn++
    const parsed = parseClientMessage(typeof raw === 'string' ? raw : raw instanceof ArrayBuffer ? raw : Array.isArray(raw) ? raw : raw, {
      maxBytes: o.maxFrameBytes, isBinary,
    })
    const now = Date.now()
    if (!s.bucket.take(now)) {
      metrics.rateLimited++
      if (s.rejected.hit(now) > o.opsBurst) {
        s.error('RATE_LIMITED', { retryAfterMs: FLOOD_WINDOW_MS })
        s.close(CLOSE.RATE_LIMITED, 'RATE_LIMITED')
        return
      }
      const opId = parsed.ok ? (parsed.message as { opId?: string }).opId : parsed.opId
      s.error('RATE_LIMITED', { opId, retryAfterMs: Math.max(1, s.bucket.retryAfterMs(now)) })
      return
    }
    if (!parsed.ok) {
      metrics.badFrames++
      s.error(parsed.code, { opId: parsed.opId, message: parsed.message })
      this.violation(s, now)
      return
    }
    const msg = parsed.message
    if (!s.helloDone && msg.type !== 'hello') {
      s.error('HELLO_REQUIRED', { opId: (msg as { opId?: string }).opId })
      this.violation(s, now)
      return
    }
    try {
      this.dispatch(s, msg)
    } catch (err) {
      this.ports.logger.error({ err, type: msg.type }, 'message handler failed')
      s.error('INTERNAL', { opId: (msg as { opId?: string }).opId })
    }
  }

  /** Counts a frame that broke the protocol; past the budget the connection is closed (4000). */
  private violation(s: Session, now: number): void {
    if (s.invalid.hit(now) > MAX_INVALID_FRAMES) s.close(CLOSE.PROTOCOL_VIOLATION, 'PROTOCOL_VIOLATION')
  }

  private dispatch(s: Session, msg: ClientMessage): void {
    if (SUPERVISOR_ONLY.includes(msg.type) && !isSupervisor(s.user)) {
      s.error('FORBIDDEN', { opId: (msg as { opId?: string }).opId, engagementId: (msg as { engagementId?: string }).engagementId })
      return
    }
    switch (msg.type) {
      case 'hello': return this.hello(s, msg)
      case 'ping': s.sendJson({ type: 'pong', t: msg.t, serverTime: Date.now() }); return
      case 'subscribe':
        this.async(s, this.ports.reads.run(() => this.subscribe(s, msg.engagementId, msg.afterSeq)), msg.engagementId)
        return
      case 'unsubscribe': this.ports.hub.unsubscribe(s, s.user.accountId, msg.engagementId); return
      case 'board.subscribe':
        // Subscribing again asks for a fresh snapshot.
        if (s.board) this.ports.boards.unsubscribe(s)
        this.async(s, this.ports.boards.subscribe(s))
        return
      case 'board.unsubscribe': this.ports.boards.unsubscribe(s); return
      default:
        if (OPS.has(msg.type)) this.op(s, msg as ClientOp)
    }
  }

  private async(s: Session, p: Promise<void>, engagementId?: string): void {
    p.catch((err: unknown) => {
      this.ports.logger.warn({ err }, 'read for subscriber failed')
      s.error('UNAVAILABLE', engagementId === undefined ? { retryAfterMs: 1000 } : { engagementId, retryAfterMs: 1000 })
    })
  }

  private hello(s: Session, msg: Extract<ClientMessage, { type: 'hello' }>): void {
    const { settings: o, store, logger, boards } = this.ports
    if (s.helloDone) {
      s.error('ALREADY_HELLO')
      this.violation(s, Date.now())
      return
    }
    if (msg.protocolVersion < MIN_PROTOCOL_VERSION || msg.protocolVersion > PROTOCOL_VERSION) {
      s.error('VERSION_UNSUPPORTED')
      s.close(CLOSE.VERSION_UNSUPPORTED, 'VERSION_UNSUPPORTED')
      return
    }
    s.clientId = msg.clientId
    s.protocolVersion = msg.protocolVersion
    s.surface = msg.surface
    s.sendJson({
      type: 'welcome', protocolVersion: PROTOCOL_VERSION, sessionId: s.id, nodeId: o.nodeId, serverTime: Date.now(),
      user: s.user, devSignIn: o.devSignIn,
      limits: { maxFrameBytes: o.maxFrameBytes, opsPerSecond: o.opsPerSecond, heartbeatMs: o.heartbeatMs },
    })
    if (!this.ports.savingAvailable()) {
      s.sendJson({ type: 'notice', code: 'saving-delayed', message: 'Saving is delayed: the database is unreachable. Your changes are kept and retried.' })
    }
    joinPresence(store, {
      sessionId: s.id, nodeId: o.nodeId, accountId: s.user.accountId, userId: s.user.id, role: s.user.role, surface: s.surface ?? 'other',
    })
      .then(() => this.ports.presenceChanged(s.user.accountId, s.user.id))
      .catch((err: unknown) => logger.debug({ err }, 'presence join failed'))
    boards.markAgent(s.user.accountId, s.user.id)
    if (s.surface === 'agent') {
      this.ports.reads.run(() => openEngagementsOf(store, s.user.accountId, s.user.id, AGENT_ENGAGEMENTS_MAX)).then((list) => {
        s.sendJson({ type: 'agent.engagements', engagements: list.map(toView) })
      }, (err: unknown) => logger.warn({ err }, 'agent engagements read failed'))
    }
  }

  private async subscribe(s: Session, engagementId: string, afterSeq: number | undefined): Promise<void> {
    const { store, hub, metrics } = this.ports
    if (s.closed) return
    const e = await getEngagement(store, s.user.accountId, engagementId)
    if (!e || e.lastSeq === 0 || !canRead(s.actor, e)) {
      s.error('NOT_FOUND', { engagementId })
      return
    }
    if (s.closed) return
    const sub = hub.subscribe(s, s.user.accountId, engagementId, true, 0, false)
    sub.explicit = true
    sub.ready = false
    try {
      if (afterSeq !== undefined && afterSeq <= e.lastSeq && e.lastSeq - afterSeq <= MAX_CATCH_UP_ROWS) {
        const rows = await readEventsAfter(store, [{ accountId: e.accountId, engagementId: e.id, afterSeq, upToSeq: e.lastSeq }])
        s.sendJson({ type: 'engagement.events', engagementId, events: rows.map(toLogEvent) })
      } else {
        s.sendJson(await buildSnapshot(store, e, afterSeq === undefined ? 'subscribe' : 'gap'))
        metrics.snapshotsSent++
      }
      sub.lastSeq = e.lastSeq
    } finally {
      hub.release(s, sub)
    }
  }

  private op(s: Session, msg: ClientOp): void {
    const { opId, ...command } = msg
    const op: Op = { opId, actor: s.actor, command, reply: s, session: s, receivedAt: Date.now() }
    if (command.type === 'doc.update') {
      const bytes = parseUpdate(command.update)
      if (!bytes) {
        s.error('BAD_MESSAGE', { opId, engagementId: command.engagementId, message: 'update is not a valid notes document update' })
        return
      }
      op.doc = bytes
    }
    this.ports.submit(op)
  }
}
