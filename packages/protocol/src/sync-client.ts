/**
 * The isomorphic sync client (browser, Node load generator, tests): one WebSocket, reconnect
 * with exponential backoff and full jitter, an outbox of unacked ops resent after reconnect,
 * resume per engagement from the last seen `seq`, snapshot on gap, app-level heartbeat.
 * The WebSocket constructor is injected (`globalThis.WebSocket` in browsers, `ws` in Node).
 */
import type { ClientMessage, ClientOp } from './client-messages.ts'
import type { ServerMessage, ServerMessageOf } from './server-messages.ts'
import { CLOSE, TERMINAL_CLOSE_CODES } from './errors.ts'
import { PROTOCOL_VERSION } from './version.ts'
import { parseServerMessage } from './parse.ts'
import { MemoryOutbox, type Outbox } from './outbox.ts'
import { newOpId } from './op-id.ts'
import { backoffDelay } from './backoff.ts'
import { Emitter } from './emitter.ts'
import { SubscriptionTracker } from './sync-subscriptions.ts'
import { OpQueue } from './sync-op-queue.ts'
import {
  RETRYABLE_CODES, type ClientOpInput, type OutboxStage, type StateEvent, type SyncClientEvents, type SyncClientOptions,
  type SyncState, type WebSocketLike,
} from './sync-types.ts'

export * from './sync-types.ts'

/** The op exactly as it will be sent: plain data any outbox can store. */
function wireCopy(op: ClientOp): ClientOp {
  let json: string
  try {
    json = JSON.stringify(op)
  } catch (error) {
    throw new TypeError(`${op.type} op ${op.opId} cannot be serialised: ${String(error)}`, { cause: error })
  }
  return JSON.parse(json) as ClientOp
}

const OPEN = 1

export class SyncClient extends Emitter<SyncClientEvents> {
  readonly clientId: string
  readonly #o: Required<Omit<SyncClientOptions, 'getToken' | 'outbox'>> & Pick<SyncClientOptions, 'getToken'>
  readonly #outbox: Outbox
  readonly #queue: OpQueue
  readonly #subs = new SubscriptionTracker()
  #board = false
  /** 'connecting' until `start()` (a new client is about to connect); 'closed' after `close()`. */
  #state: SyncState = 'connecting'
  #stopped = true
  #online = true
  #loaded: Promise<void> | null = null
  #persistChain: Promise<void> = Promise.resolve()
  /** Ops the outbox failed to store: still sent from memory, stored again on the next tick. */
  readonly #unstored = new Map<string, ClientOp>()
  #tickTimer: ReturnType<typeof setInterval> | undefined
  #ws: WebSocketLike | null = null
  #connectSeq = 0
  #welcomed = false
  /** the server's frame limit, from the last welcome */
  #maxFrameBytes: number | null = null
  #everOpened = false
  #attempt = 0
  #lastHeard = 0
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined
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
      protocolVersion: opts.protocolVersion ?? PROTOCOL_VERSION, adoptEveryMs: opts.adoptEveryMs ?? 30_000,
    }
    this.#queue = new OpQueue({
      maxInFlight: this.#o.maxInFlight, backoff: this.#o.backoff, now: this.#o.now, random: this.#o.random,
      canSend: () => this.#welcomed, transmit: (op) => this.#transmit(op),
    })
  }

  get state(): SyncState { return this.#state }
  get pending(): number { return this.#queue.size }
  /** Ops not yet acked, in send order. */
  pendingOps(): ClientOp[] { return this.#queue.ops() }
  /** The last log seq seen for a subscribed engagement (null before its snapshot). */
  lastSeq(engagementId: string): number | null { return this.#subs.lastSeq(engagementId) }

  /** Load the outbox (ops from before a reload are resent first) and connect. Also restarts after `close()`. */
  async start(): Promise<void> {
    if (!this.#stopped) return
    this.#stopped = false
    this.#loaded ??= this.#loadOutbox()
    await this.#loaded
    if (this.#stopped) return
    clearInterval(this.#tickTimer)
    this.#tickTimer = setInterval(() => this.#tick(), this.#o.adoptEveryMs)
    if (!this.#online) this.#setState('offline')
    else void this.#connect()
  }

  /**
   * Queue an op: sent when connected (at once if connected) and stored in the outbox meanwhile.
   * Returns at once with the op's id (the one place an op id is assigned: `input.opId`, else a new
   * UUIDv7) and `stored`, which resolves once the op is in the outbox (or once the outbox failed:
   * `outboxError`, and the op is still sent from memory). The op is copied as it goes on the wire
   * (JSON), now: the outbox can always store it (no framework proxies, no functions) and later
   * changes to the caller's objects do not leak in. Throws only for an op that could never be
   * sent (not JSON-serialisable).
   *
   * Sending does not wait for the outbox (an IndexedDB write can take longer than the round trip
   * to the server): an op on the wire before it is stored loses nothing, since the server answers
   * a repeated opId once and the ack's removal from the outbox waits for the store.
   */
  queueOp(input: ClientOpInput): { opId: string; stored: Promise<void> } {
    const op = wireCopy({ ...input, opId: input.opId ?? newOpId() } as ClientOp)
    if (!this.#queue.add(op)) return { opId: op.opId, stored: this.#persistChain }
    this.#emitState()
    const stored = this.#store(op)
    this.#queue.pump()
    return { opId: op.opId, stored }
  }

  /** `queueOp`, resolving with the op id once the op is persisted; rejects for an op that could never be sent. */
  async send(input: ClientOpInput): Promise<string> {
    const { opId, stored } = this.queueOp(input)
    await stored
    return opId
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
      void this.#connect()
    }
  }

  /** Stop for good (until `start()`): closes the socket; unacked ops stay in the outbox. */
  close(): void {
    this.#stopped = true
    clearTimeout(this.#reconnectTimer)
    clearInterval(this.#tickTimer)
    this.#queue.stop()
    this.#dropSocket(CLOSE.NORMAL, 'client closed')
    this.#setState('closed')
  }

  // ---- connection -------------------------------------------------------------------------------

  async #loadOutbox(): Promise<void> {
    let stored: ClientOp[] = []
    try {
      stored = await this.#outbox.load()
    } catch (error) {
      this.emit('outboxError', { error, stage: 'load' })
    }
    // Ops sent before loading finished go after the stored ones.
    this.#queue.addStored(stored, true)
  }

  /** Periodically: take over ops of tabs that died since, and store again what failed to store. */
  #tick(): void {
    if (this.#stopped) return
    for (const op of this.#unstored.values()) {
      if (this.#queue.has(op.opId)) void this.#store(op)
      else this.#unstored.delete(op.opId)
    }
    void this.#adopt()
  }

  /** Take over ops of this user's closed tabs (IndexedDB outbox), then send them. */
  async #adopt(): Promise<void> {
    if (this.#outbox.adopt === undefined || this.#stopped) return
    try {
      if (this.#queue.addStored(await this.#outbox.adopt(), false) > 0) {
        this.#emitState()
        this.#queue.pump()
      }
    } catch (error) {
      this.emit('outboxError', { error, stage: 'adopt' })
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
      clearInterval(this.#tickTimer)
      this.#queue.stop()
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
    this.#queue.connectionLost()
    if (ws !== null && code !== undefined) {
      ws.onopen = ws.onmessage = ws.onclose = null
      try { ws.close(code, reason) } catch { /* already closing */ }
    }
  }

  /**
   * Sends an op, unless its frame exceeds the server's `limits.maxFrameBytes`: the server would
   * close the socket (1009) without reading it, and the op, resent after every reconnect, would
   * close it again. Such an op is refused here as the server would refuse it (`FRAME_TOO_LARGE`,
   * not retried: dropped and reported with `opRejected`), once the queue's pass is over.
   */
  #transmit(op: ClientOp): void {
    const max = this.#maxFrameBytes
    if (max !== null) {
      const json = JSON.stringify(op)
      // A UTF-8 byte is at most 3 per UTF-16 unit: most frames need no encoding to know.
      if (json.length * 3 > max && new TextEncoder().encode(json).byteLength > max) {
        queueMicrotask(() => this.#onError({
          type: 'error', code: 'FRAME_TOO_LARGE', opId: op.opId,
          message: `The op's frame exceeds the server's limit of ${max} bytes; it was not sent.`,
        }))
        return
      }
    }
    this.#raw(op)
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
    if (msg === null) {
      const text = typeof data === 'string' ? data : ''
      const type = /^\{"type":"([^"]{1,64})"/.exec(text)?.[1] ?? null
      this.emit('invalidFrame', { type, sample: text.slice(0, 300) })
      return
    }
    if (msg.type !== 'batch') {
      this.#onMessage(msg)
      return
    }
    // Several messages in one frame: each on its own, in order, as if it had come alone.
    for (const inner of msg.messages) {
      const one = inner.type === 'batch' ? null : parseServerMessage(inner)
      if (one === null) this.emit('invalidFrame', { type: inner.type.slice(0, 64), sample: JSON.stringify(inner).slice(0, 300) })
      else this.#onMessage(one)
    }
  }

  #onMessage(msg: ServerMessage): void {
    let out: ServerMessage | null = msg
    switch (msg.type) {
      case 'welcome':
        this.#maxFrameBytes = msg.limits.maxFrameBytes
        this.#welcomed = true
        this.#everOpened = true
        this.#attempt = 0
        this.#setState('open')
        // A new connection (maybe to another node) starts with the full window.
        this.#queue.resume(true)
        this.emit('welcome', msg)
        if (this.#board) this.#raw({ type: 'board.subscribe' })
        for (const m of this.#subs.resubscribeMessages()) this.#raw(m)
        this.#queue.pump()
        void this.#adopt()
        break
      case 'ack':
        this.#onAck(msg)
        break
      case 'error':
        this.#onError(msg)
        break
      case 'notice':
        if (msg.code === 'saving-resumed') {
          this.#queue.resume(true)
          this.#queue.pump()
        }
        break
      case 'engagement.snapshot':
        this.#subs.onSnapshot(msg.engagementId, msg.seq)
        break
      case 'engagement.erased':
        this.#dropEngagement(msg.engagementId)
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
    const op = this.#queue.settle(msg.opId)
    if (op === undefined) return // a second ack for an op already settled
    this.#forget(op.opId)
    // The server does not send this row back: the ack is where the subscription learns of it.
    if (op.type === 'doc.update' && msg.duplicate !== true) this.#subs.onOwnRow(msg.engagementId, msg.seq)
    this.emit('ack', { op, opId: msg.opId, engagementId: msg.engagementId, seq: msg.seq, duplicate: msg.duplicate === true })
    this.#queue.resume(false)
    this.#queue.pump()
  }

  #onError(msg: ServerMessageOf<'error'>): void {
    // Both mean "not now" for every op, not just this one: hold the whole queue instead of
    // resending each op on its own timer (which a database outage would turn into a flood);
    // during an outage only one op at a time goes out, as a probe, until one is acked.
    const wait = msg.retryAfterMs ?? this.#o.backoff.baseMs
    if (msg.code === 'UNAVAILABLE') this.#queue.hold(wait)
    else if (msg.code === 'RATE_LIMITED') this.#queue.pause(wait)
    if (msg.opId === undefined || !this.#queue.has(msg.opId)) return
    if (RETRYABLE_CODES.includes(msg.code)) {
      this.#queue.retryLater(msg.opId, msg.retryAfterMs)
    } else {
      const op = this.#queue.settle(msg.opId)!
      this.#forget(op.opId)
      // Erased, and never created again: let it go as on `engagement.erased`, before the app hears of it.
      if (msg.code === 'ENGAGEMENT_ERASED') this.#dropEngagement(op.engagementId)
      this.emit('opRejected', { op, code: msg.code, message: msg.message })
    }
    this.#queue.pump()
  }

  /**
   * The server keeps nothing of this engagement and follows it no more: neither does this client,
   * and its unsent ops go (sent, they could only fail, or bring back what was erased).
   */
  #dropEngagement(engagementId: string): void {
    this.#subs.remove(engagementId)
    for (const op of this.#queue.dropEngagement(engagementId)) this.#forget(op.opId)
  }

  /** The op got its final answer: drop it from the outbox. */
  #forget(opId: string): void {
    this.#unstored.delete(opId)
    void this.#persist(() => this.#outbox.delete(opId), 'forget')
    this.#emitState()
  }

  /** Put an op in the outbox; on failure remember it to store again, and report it. */
  #store(op: ClientOp): Promise<void> {
    return this.#persist(async () => {
      try {
        await this.#outbox.put(op)
        this.#unstored.delete(op.opId)
      } catch (error) {
        // Acked or rejected meanwhile: nothing left to keep.
        if (this.#queue.has(op.opId)) this.#unstored.set(op.opId, op)
        throw error
      }
    }, 'store', op)
  }

  #persist(write: () => Promise<void>, stage: OutboxStage, op?: ClientOp): Promise<void> {
    const next = this.#persistChain.then(write).catch((error: unknown) => {
      this.emit('outboxError', op === undefined ? { error, stage } : { error, stage, op })
    })
    this.#persistChain = next
    return next
  }

  #setState(state: SyncState, extra: Omit<StateEvent, 'state' | 'pending'> = {}): void {
    this.#state = state
    this.emit('state', { state, pending: this.#queue.size, ...extra })
  }

  #emitState(): void {
    this.emit('state', { state: this.#state, pending: this.#queue.size })
  }
}
