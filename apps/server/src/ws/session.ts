/**
 * One connected client (one WebSocket) after authentication: who it is, what it follows,
 * and a bounded send path. Transport-agnostic: it only knows the `Peer` interface.
 */
import { randomUUID } from 'node:crypto'
import { CLOSE, ERRORS, type CloseCode, type ErrorCode, type SessionUser } from '@switchboard/protocol'
import { actorOf, type Actor, type LogRow } from '../domain/engagement/model.ts'
import type { OpAck, OpRefusal, OpSession, ReplySink } from './ops.ts'
import type { Peer } from './peer.ts'
import { FLOOD_WINDOW_MS, TokenBucket, WindowCount } from './rate-limit.ts'

export interface Subscription {
  accountId: string
  engagementId: string
  /** highest seq delivered to this session */
  lastSeq: number
  /** subscribed with `subscribe` (a watcher) rather than auto-followed as the agent */
  explicit: boolean
  /** false while the snapshot / catch-up read runs; live rows wait in `pending` */
  ready: boolean
  pending: LogRow[]
  catchingUp: boolean
}

export interface SessionLimits {
  opsPerSecond: number
  opsBurst: number
  sendBufferBytes: number
}

/** A socket session: the source of its ops (`OpSession`) and where their answers go (`ReplySink`). */
export class Session implements OpSession, ReplySink {
  readonly id = randomUUID()
  readonly user: SessionUser
  /** who this session's ops act for */
  readonly actor: Actor
  readonly peer: Peer
  readonly connectedAt: number
  clientId: string | null = null
  /** the version the client said in hello (0 before) */
  protocolVersion = 0
  surface: 'agent' | 'supervisor' | 'other' | null = null
  readonly subs = new Map<string, Subscription>()
  focus: string | null = null
  board = false
  closed = false
  /** messages refused by the rate limit, per flood window */
  readonly rejected = new WindowCount(FLOOD_WINDOW_MS)
  /** frames that broke the protocol (unparsable, out of order), per flood window */
  readonly invalid = new WindowCount(FLOOD_WINDOW_MS)
  readonly bucket: TokenBucket
  private readonly sendBufferBytes: number
  /** set by the engine when the send buffer overflows */
  onOverflow: (() => void) | undefined
  /** set by the engine: counts error frames by code */
  onError: ((code: ErrorCode) => void) | undefined

  constructor(user: SessionUser, peer: Peer, limits: SessionLimits, now: number) {
    this.user = user
    this.actor = actorOf(user)
    this.peer = peer
    this.connectedAt = now
    this.bucket = new TokenBucket(limits.opsPerSecond, limits.opsBurst, now)
    this.sendBufferBytes = limits.sendBufferBytes
  }

  get helloDone(): boolean {
    return this.clientId !== null
  }

  /**
   * Sends one serialized frame. A client that cannot keep up (unsent bytes over the limit)
   * is closed with SLOW_CONSUMER so it reconnects and resyncs from the log; we never buffer
   * without bound. While frames of this tick's flush wait (`enqueue`), it joins them, in order.
   */
  send(frame: string | Buffer): boolean {
    if (this.closed) return false
    if (this.queued !== null) {
      this.queued.push(frame)
      return true
    }
    return this.write(frame)
  }

  /**
   * Queues a frame of a commit's answers and fan-out: everything a session gets in one tick
   * leaves as one frame (`batch` when more than one) at the end of the tick.
   */
  enqueue(frame: string | Buffer): boolean {
    if (this.closed) return false
    if (this.queued === null) {
      this.queued = []
      flushLater(this)
    }
    this.queued.push(frame)
    return true
  }

  /** Sends what `enqueue` gathered: one frame as it is, several as one `batch` frame. */
  flush(): void {
    const q = this.queued
    this.queued = null
    if (q === null || q.length === 0 || this.closed) return
    if (q.length === 1) this.write(q[0]!)
    else if (this.protocolVersion >= BATCH_PROTOCOL_VERSION) this.write(batchFrame(q))
    else for (const f of q) if (!this.write(f)) return
  }

  private queued: (string | Buffer)[] | null = null

  private write(frame: string | Buffer): boolean {
    if (this.peer.bufferedAmount + frame.length > this.sendBufferBytes) {
      this.close(CLOSE.SLOW_CONSUMER, 'SLOW_CONSUMER')
      this.onOverflow?.()
      return false
    }
    if (!this.corked && this.peer.cork) {
      this.corked = true
      this.peer.cork()
      queueMicrotask(this.uncork)
    }
    this.peer.send(frame)
    return true
  }

  private corked = false
  private readonly uncork = (): void => {
    this.corked = false
    this.peer.uncork?.()
  }

  sendJson(msg: object): boolean {
    return this.send(JSON.stringify(msg))
  }

  /** Acks go out with the rows and projections of the same commit (one frame per flush). */
  ack(a: OpAck): void {
    this.enqueue(JSON.stringify(a.duplicate
      ? { type: 'ack', opId: a.opId, engagementId: a.engagementId, seq: a.seq, duplicate: true }
      : { type: 'ack', opId: a.opId, engagementId: a.engagementId, seq: a.seq }))
  }

  refuse(r: OpRefusal): void {
    // Older clients cannot parse the newer code (the op would stay unanswered): NOT_FOUND, which they drop.
    if (r.code === 'ENGAGEMENT_ERASED' && this.protocolVersion < ERASED_PROTOCOL_VERSION) this.error('NOT_FOUND', { opId: r.opId, engagementId: r.engagementId })
    else this.error(r.code, r)
  }

  error(code: ErrorCode, extra: { opId?: string | undefined; engagementId?: string; retryAfterMs?: number; message?: string } = {}): void {
    const msg: Record<string, unknown> = { type: 'error', code, message: extra.message ?? ERRORS[code].message }
    if (extra.opId !== undefined) msg['opId'] = extra.opId
    if (extra.engagementId !== undefined) msg['engagementId'] = extra.engagementId
    if (extra.retryAfterMs !== undefined) msg['retryAfterMs'] = extra.retryAfterMs
    this.onError?.(code)
    this.sendJson(msg)
  }

  close(code: CloseCode, reason: string): void {
    if (this.closed) return
    this.closed = true
    try {
      this.peer.close(code, reason)
    } catch {
      // already gone
    }
  }
}

/**
 * Clients from this protocol version on get `batch` frames, and are not sent their own notes
 * rows back (the ack of a `doc.update` carries the seq); older ones get each message alone and
 * every row, as before.
 */
export const BATCH_PROTOCOL_VERSION = 5

/** Clients from this protocol version on know `ENGAGEMENT_ERASED`; older ones are answered `NOT_FOUND` instead. */
export const ERASED_PROTOCOL_VERSION = 6

const BATCH_HEAD = Buffer.from('{"type":"batch","messages":[')
const BATCH_SEP = Buffer.from(',')
const BATCH_TAIL = Buffer.from(']}')

/** `{"type":"batch","messages":[...]}` from serialized messages, without parsing or re-encoding them. */
export function batchFrame(frames: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [BATCH_HEAD]
  frames.forEach((f, i) => {
    if (i > 0) parts.push(BATCH_SEP)
    parts.push(typeof f === 'string' ? Buffer.from(f) : f)
  })
  parts.push(BATCH_TAIL)
  return Buffer.concat(parts)
}

/** Sessions with frames queued this tick, flushed together once the tick's synchronous work is done. */
let toFlush: Session[] = []

function flushLater(s: Session): void {
  if (toFlush.length === 0) queueMicrotask(flushAll)
  toFlush.push(s)
}

function flushAll(): void {
  const list = toFlush
  toFlush = []
  for (const s of list) s.flush()
}
