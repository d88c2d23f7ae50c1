/**
 * The isomorphic sync client (browser, Node load generator, tests): one WebSocket, reconnect
 * with exponential backoff and full jitter, an outbox of unacked ops resent after reconnect,
 * resume per engagement from the last seen `seq`, snapshot on gap, app-level heartbeat.
 * The WebSocket constructor is injected (`globalThis.WebSocket` in browsers, `ws` in Node).
 */
import type { ClientMessage, ClientOp, Hello } from './client-messages.ts'
import type { ServerMessage, ServerMessageOf } from './server-messages.ts'
import type { Static } from 'typebox'
import { CLOSE, TERMINAL_CLOSE_CODES, type ErrorCode } from './errors.ts'
import { PROTOCOL_VERSION } from './version.ts'
import { parseServerMessage } from './parse.ts'
import { MemoryOutbox, type Outbox } from './outbox.ts'
import { newOpId } from './op-id.ts'
import { backoffDelay, type BackoffOptions } from './backoff.ts'
import { Emitter } from './emitter.ts'
import { SubscriptionTracker } from './sync-subscriptions.ts'

/** The part of the WHATWG WebSocket the client uses (`ws` and browsers both satisfy it). */
export interface WebSocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  // Handler parameters are `never` so any WebSocket's richer event types are assignable.
  onopen: ((ev: never) => unknown) | null
  onmessage: ((ev: never) => unknown) | null
  onclose: ((ev: never) => unknown) | null
  onerror: ((ev: never) => unknown) | null
}
export type WebSocketConstructor = new (url: string) => WebSocketLike

export type SyncState = 'connecting' | 'open' | 'reconnecting' | 'offline' | 'closed'
export type Surface = Static<typeof Hello>['surface']

/** An op as callers build it: `opId` is assigned (UUIDv7) when missing. */
export type ClientOpInput = ClientOp extends infer O ? O extends ClientOp ? Omit<O, 'opId'> & { opId?: string } : never : never

export interface SyncClientOptions {
  url: string
  WebSocket: WebSocketConstructor
  clientId: string
  surface: Surface
  /** Default `MemoryOutbox`. The caller owns it (and closes it). */
  outbox?: Outbox
  /** Called before every connection attempt; the token goes in `?token=`. `null`: cookie auth. */
  getToken?: () => string | null | Promise<string | null>
  /** App-level ping interval; silence for two intervals drops the socket. Default 20000. */
  heartbeatMs?: number
  /** Default `{ baseMs: 500, maxMs: 30000 }`. */
  backoff?: BackoffOptions
  /** Ops sent but not yet acked, at most (keeps a resent outbox under the server's burst). Default 64. */
  maxInFlight?: number
  now?: () => number
  random?: () => number
  /** Only tests change this. */
  protocolVersion?: number
}

export interface StateEvent {
  state: SyncState
  /** Ops not yet acked. */
  pending: number
  /** With 'reconnecting': the retry number (from 0) and the chosen delay. */
  attempt?: number
  delayMs?: number
  /** With 'closed' after a terminal close code. */
  closeCode?: number
  reason?: string
}

export interface SyncClientEvents {
  state: StateEvent
  /** Every usable server message (events batches trimmed of already-seen rows; gapped ones held back). */
  message: ServerMessage
  welcome: ServerMessageOf<'welcome'>
  /** An op of ours was committed (once per op; duplicate acks are not re-emitted). */
  ack: { op: ClientOp; opId: string; engagementId: string; seq: number; duplicate: boolean }
  /** The server refused an op for good; it was dropped from the outbox. */
  opRejected: { op: ClientOp; code: ErrorCode; message: string }
  /** An events batch did not follow the last seen seq; a snapshot was requested. */
  gap: { engagementId: string; expectedSeq: number; gotSeq: number }
  /** The outbox could not persist or forget an op (the op is still kept in memory and sent). */
  outboxError: { error: unknown }
}

/** Errors after which an op is tried again later; any other coded answer drops it. */
export const RETRYABLE_CODES: readonly ErrorCode[] = [
  'RATE_LIMITED', 'UNAVAILABLE', 'NOT_READY', 'SHUTTING_DOWN', 'SLOW_CONSUMER', 'INTERNAL',
]

const OPEN = 1

interface PendingOp {
  op: ClientOp
  persisted: boolean
  inFlight: boolean
  attempts: number
  retryAt: number
}

export class SyncClient extends Emitter<SyncClientEvents> {
  readonly clientId: string
  readonly #o: Required<Omit<SyncClientOptions, 'getToken' | 'outbox'>> & Pick<SyncClientOptions, 'getToken'>
  readonly #outbox: Outbox
  readonly #pending = new Map<string, PendingOp>()
  readonly #subs = new SubscriptionTracker()
  #board = false
  /** 'connecting' until `start()` (a new client is about to connect); 'closed' after `close()`. */
  #state: SyncState = 'connecting'
  #stopped = true
  #online = true
  #loaded: Promise<void> | null = null
  #persistChain: Promise<void> = Promise.resolve()
  #ws: WebSocketLike | null = null
  #connectSeq = 0
  #welcomed = false
  #everOpened = false
  #attempt = 0
  #inFlight = 0
  #pausedUntil = 0
  #lastHeard = 0
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined
  #retryTimer: ReturnType<typeof setTimeout> | undefined
  #retryAt = Infinity
  #heartbeatTimer: ReturnType<typeof setInterval> | undefined

  constructor(opts: SyncClientOptions) {
    super()
    this.clientId = opts.clientId
    this.#outbox = opts.outbox ?? new MemoryOutbox()
    this.#o = {
      url: opts.url, WebSocket: opts.WebSocket, clientId: opts.clientId, surface: opts.surface,
      getToken: opts.getToken, heartbeatMs: opts.heartbeatMs ?? 20_000,
      backoff: opts.backoff ?? { baseMs: 500, maxMs: 30_000 }, maxInFlight: opts.maxInFlight ?? 64,
      now: opts.now ?? Date.now, random: opts.random ?? Math.random,
      protocolVersion: opts.protocolVersion ?? PROTOCOL_VERSION,
    }
  }

  get state(): SyncState { return this.#state }
  get pending(): number { return this.#pending.size }
  /** Ops not yet acked, in send order. */
  pendingOps(): ClientOp[] { return [...this.#pending.values()].map((p) => p.op) }
  /** The last log seq seen for a subscribed engagement (null before its snapshot). */
  lastSeq(engagementId: string): number | null { return this.#subs.lastSeq(engagementId) }

  /** Load the outbox (ops from before a reload are resent first) and connect. Also restarts after `close()`. */
  async start(): Promise<void> {
    if (!this.#stopped) return
    this.#stopped = false
    this.#loaded ??= this.#loadOutbox()
    await this.#loaded
    if (this.#stopped) return
    if (!this.#online) this.#setState('offline')
    else this.#connect()
  }

  /** Queue an op: persisted to the outbox first, then sent when connected. Resolves with its opId once persisted. */
  async send(input: ClientOpInput): Promise<string> {
    const op = { ...input, opId: input.opId ?? newOpId() } as ClientOp
    if (this.#pending.has(op.opId)) return op.opId
    const entry: PendingOp = { op, persisted: false, inFlight: false, attempts: 0, retryAt: 0 }
    this.#pending.set(op.opId, entry)
    this.#emitState()
    await this.#persist(() => this.#outbox.put(op))
    entry.persisted = true
    this.#pump()
    return op.opId
  }

  /** Resolves when every outbox write queued so far has finished. */
  flushed(): Promise<void> { return this.#persistChain }

  subscribe(engagementId: string): void {
    if (this.#subs.add(engagementId) && this.#welcomed) this.#raw(this.#subs.subscribeMessage(engagementId))
  }

  unsubscribe(engagementId: string): void {
    if (this.#subs.remove(engagementId) && this.#welcomed) this.#raw({ type: 'unsubscribe', engagementId })
  }

  subscribeBoard(): void {
    if (!this.#board && this.#welcomed) this.#raw({ type: 'board.subscribe' })
    this.#board = true
  }

  unsubscribeBoard(): void {
    if (this.#board && this.#welcomed) this.#raw({ type: 'board.unsubscribe' })
    this.#board = false
  }

  /** Host connectivity hint (browser `online`/`offline` events): offline drops the socket and stops retrying. */
  setOnline(online: boolean): void {
    if (online === this.#online) return
    this.#online = online
    if (this.#stopped) return
    if (!online) {
      this.#dropSocket(CLOSE.NORMAL, 'offline')
      clearTimeout(this.#reconnectTimer)
      this.#setState('offline')
    } else if (this.#ws === null) {
      clearTimeout(this.#reconnectTimer)
      this.#attempt = 0
      this.#connect()
    }
  }

  /** Stop for good (until `start()`): closes the socket; unacked ops stay in the outbox. */
  close(): void {
    this.#stopped = true
    clearTimeout(this.#reconnectTimer)
    clearTimeout(this.#retryTimer)
    this.#retryAt = Infinity
    this.#dropSocket(CLOSE.NORMAL, 'client closed')
    this.#setState('closed')
  }

  // ---- connection -------------------------------------------------------------------------------

  async #loadOutbox(): Promise<void> {
    let stored: ClientOp[] = []
    try {
      stored = await this.#outbox.load()
    } catch (error) {
      this.emit('outboxError', { error })
    }
    // Ops sent before loading finished go after the stored ones.
    const fresh = [...this.#pending.values()]
    this.#pending.clear()
    for (const op of stored) {
      this.#pending.set(op.opId, { op, persisted: true, inFlight: false, attempts: 0, retryAt: 0 })
    }
    for (const entry of fresh) if (!this.#pending.has(entry.op.opId)) this.#pending.set(entry.op.opId, entry)
  }

  /** Take over ops of this user's closed tabs (IndexedDB outbox), then send them. */
  async #adopt(): Promise<void> {
    if (this.#outbox.adopt === undefined) return
    try {
      const ops = await this.#outbox.adopt()
      let added = false
      for (const op of ops) {
        if (this.#pending.has(op.opId)) continue
        this.#pending.set(op.opId, { op, persisted: true, inFlight: false, attempts: 0, retryAt: 0 })
        added = true
      }
      if (added) {
        this.#emitState()
        this.#pump()
      }
    } catch (error) {
      this.emit('outboxError', { error })
    }
  }

  async #connect(): Promise<void> {
    if (this.#stopped || !this.#online) return
    const seq = ++this.#connectSeq
    this.#setState(this.#everOpened || this.#attempt > 0 ? 'reconnecting' : 'connecting')
    let url = this.#o.url
    try {
      const token = this.#o.getToken === undefined ? null : await this.#o.getToken()
      if (token !== null) url += `${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`
    } catch {
      if (seq === this.#connectSeq) this.#scheduleReconnect()
      return
    }
    if (seq !== this.#connectSeq || this.#stopped || !this.#online) return
    let ws: WebSocketLike
    try {
      ws = new this.#o.WebSocket(url)
    } catch {
      this.#scheduleReconnect()
      return
    }
    this.#ws = ws
    this.#welcomed = false
    this.#lastHeard = this.#o.now()
    ws.onopen = (() => {
      if (ws === this.#ws) {
        this.#raw({ type: 'hello', protocolVersion: this.#o.protocolVersion, clientId: this.clientId, surface: this.#o.surface })
      }
    }) as WebSocketLike['onopen']
    ws.onmessage = ((ev: { data: unknown }) => {
      if (ws === this.#ws) this.#onFrame(ev.data)
    }) as WebSocketLike['onmessage']
    ws.onclose = ((ev: { code: number; reason: string }) => {
      if (ws === this.#ws) this.#onClosed(ev.code, ev.reason)
    }) as WebSocketLike['onclose']
    ws.onerror = (() => {}) as WebSocketLike['onerror'] // a close event follows
    clearInterval(this.#heartbeatTimer)
    this.#heartbeatTimer = setInterval(() => this.#heartbeat(), this.#o.heartbeatMs)
  }

  #heartbeat(): void {
    if (this.#ws === null) return
    if (this.#o.now() - this.#lastHeard >= 2 * this.#o.heartbeatMs) {
      // Do not wait for a close handshake on a dead link: drop it and reconnect now.
      this.#dropSocket(CLOSE.HEARTBEAT_TIMEOUT, 'heartbeat timeout')
      this.#scheduleReconnect()
      return
    }
    if (this.#welcomed) this.#raw({ type: 'ping', t: this.#o.now() })
  }

  #onClosed(code: number, reason: string): void {
    this.#dropSocket()
    if (TERMINAL_CLOSE_CODES.includes(code)) {
      this.#stopped = true
      clearTimeout(this.#retryTimer)
      this.#setState('closed', { closeCode: code, reason })
      return
    }
    if (this.#stopped) return
    if (!this.#online) this.#setState('offline')
    else this.#scheduleReconnect()
  }

  #scheduleReconnect(): void {
    if (this.#stopped || !this.#online) return
    const attempt = this.#attempt++
    const delayMs = backoffDelay(attempt, this.#o.backoff, this.#o.random)
    clearTimeout(this.#reconnectTimer)
    this.#reconnectTimer = setTimeout(() => void this.#connect(), delayMs)
    this.#setState('reconnecting', { attempt, delayMs })
  }

  /** Forget the current socket (closing it if asked); in-flight ops become unsent. */
  #dropSocket(code?: number, reason?: string): void {
    const ws = this.#ws
    this.#ws = null
    this.#welcomed = false
    clearInterval(this.#heartbeatTimer)
    this.#heartbeatTimer = undefined
    for (const p of this.#pending.values()) p.inFlight = false
    this.#inFlight = 0
    if (ws !== null && code !== undefined) {
      ws.onopen = ws.onmessage = ws.onclose = null
      try { ws.close(code, reason) } catch { /* already closing */ }
    }
  }

  #raw(message: ClientMessage): void {
    const ws = this.#ws
    if (ws === null || ws.readyState !== OPEN) return
    try {
      ws.send(JSON.stringify(message))
    } catch {
      // The close event will follow and the op will be resent.
    }
  }

  // ---- inbound ----------------------------------------------------------------------------------

  #onFrame(data: unknown): void {
    this.#lastHeard = this.#o.now()
    const msg = parseServerMessage(data)
    if (msg === null) return
    let out: ServerMessage | null = msg
    switch (msg.type) {
      case 'welcome':
        this.#welcomed = true
        this.#everOpened = true
        this.#attempt = 0
        this.#setState('open')
        this.emit('welcome', msg)
        if (this.#board) this.#raw({ type: 'board.subscribe' })
        for (const m of this.#subs.resubscribeMessages()) this.#raw(m)
        this.#pump()
        void this.#adopt()
        break
      case 'ack':
        this.#onAck(msg)
        break
      case 'error':
        this.#onError(msg)
        break
      case 'engagement.snapshot':
        this.#subs.onSnapshot(msg.engagementId, msg.seq)
        break
      case 'engagement.events': {
        const result = this.#subs.onEvents(msg)
        if (result.gap !== undefined) {
          this.emit('gap', result.gap)
          this.#raw(this.#subs.subscribeMessage(msg.engagementId))
        }
        out = result.message
        break
      }
    }
    if (out !== null) this.emit('message', out)
  }

  #onAck(msg: ServerMessageOf<'ack'>): void {
    const entry = this.#pending.get(msg.opId)
    if (entry === undefined) return // a second ack for an op already settled
    this.#settle(entry)
    this.emit('ack', { op: entry.op, opId: msg.opId, engagementId: msg.engagementId, seq: msg.seq, duplicate: msg.duplicate === true })
    this.#pump()
  }

  #onError(msg: ServerMessageOf<'error'>): void {
    const now = this.#o.now()
    const entry = msg.opId === undefined ? undefined : this.#pending.get(msg.opId)
    const retryable = RETRYABLE_CODES.includes(msg.code)
    if (msg.code === 'RATE_LIMITED') {
      this.#pausedUntil = now + (msg.retryAfterMs ?? this.#o.backoff.baseMs)
    }
    if (entry === undefined) return
    if (retryable) {
      if (entry.inFlight) this.#inFlight--
      entry.inFlight = false
      entry.retryAt = now + (msg.retryAfterMs ?? Math.max(backoffDelay(entry.attempts, this.#o.backoff, this.#o.random), 1))
      entry.attempts++
      this.#pump()
      return
    }
    this.#settle(entry)
    this.emit('opRejected', { op: entry.op, code: msg.code, message: msg.message })
    this.#pump()
  }

  /** Remove an op that got its final answer (ack or permanent error). */
  #settle(entry: PendingOp): void {
    if (entry.inFlight) this.#inFlight--
    this.#pending.delete(entry.op.opId)
    void this.#persist(() => this.#outbox.delete(entry.op.opId))
    this.#emitState()
  }

  // ---- outbound ---------------------------------------------------------------------------------

  /** Send what may be sent: in order, persisted, not waiting for a retry, within the in-flight window. */
  #pump(): void {
    if (!this.#welcomed) return
    const now = this.#o.now()
    if (now < this.#pausedUntil) return this.#scheduleRetry(this.#pausedUntil)
    let next = Infinity
    for (const entry of this.#pending.values()) {
      if (this.#inFlight >= this.#o.maxInFlight) break
      if (entry.inFlight || !entry.persisted) continue
      if (entry.retryAt > now) {
        next = Math.min(next, entry.retryAt)
        continue
      }
      entry.inFlight = true
      this.#inFlight++
      this.#raw(entry.op)
    }
    if (next !== Infinity) this.#scheduleRetry(next)
  }

  #scheduleRetry(at: number): void {
    if (at >= this.#retryAt) return
    clearTimeout(this.#retryTimer)
    this.#retryAt = at
    this.#retryTimer = setTimeout(() => {
      this.#retryAt = Infinity
      this.#pump()
    }, Math.max(at - this.#o.now(), 0))
  }

  #persist(write: () => Promise<void>): Promise<void> {
    const next = this.#persistChain.then(write).catch((error: unknown) => this.emit('outboxError', { error }))
    this.#persistChain = next
    return next
  }

  #setState(state: SyncState, extra: Omit<StateEvent, 'state' | 'pending'> = {}): void {
    this.#state = state
    this.emit('state', { state, pending: this.#pending.size, ...extra })
  }

  #emitState(): void {
    this.emit('state', { state: this.#state, pending: this.#pending.size })
  }
}
