/**
 * The sync client's in-memory view of unacked ops: send order, which are on the wire, which wait
 * for a retry. Sends at most `maxInFlight` unacked at a time, and honours
 * `RATE_LIMITED` pauses. While saving is held (`UNAVAILABLE`: the database is unreachable) it
 * sends one op at a time as a probe, so an outage costs one refused op per retry interval, not
 * the whole window. Persistence itself is the outbox's job (the client drives both).
 */
import type { ClientOp } from './client-messages.ts'
import { backoffDelay, type BackoffOptions } from './backoff.ts'

interface PendingOp {
  op: ClientOp
  inFlight: boolean
  attempts: number
  retryAt: number
}

export interface OpQueueOptions {
  maxInFlight: number
  backoff: BackoffOptions
  now: () => number
  random: () => number
  /** Whether sending is possible now (connected and welcomed). */
  canSend: () => boolean
  transmit: (op: ClientOp) => void
}

export class OpQueue {
  readonly #o: OpQueueOptions
  readonly #pending = new Map<string, PendingOp>()
  #inFlight = 0
  #pausedUntil = 0
  /** saving is held: one op on the wire at a time until an ack or `resume()` */
  #probing = false
  #timer: ReturnType<typeof setTimeout> | undefined
  #timerAt = Infinity

  constructor(opts: OpQueueOptions) {
    this.#o = opts
  }

  get size(): number { return this.#pending.size }
  has(opId: string): boolean { return this.#pending.has(opId) }
  ops(): ClientOp[] { return [...this.#pending.values()].map((p) => p.op) }

  /** A new op. False when its opId is already queued. */
  add(op: ClientOp): boolean {
    if (this.#pending.has(op.opId)) return false
    this.#pending.set(op.opId, { op, inFlight: false, attempts: 0, retryAt: 0 })
    return true
  }

  /** Ops from the outbox: `first` go before everything queued so far (they are older). */
  addStored(ops: readonly ClientOp[], first: boolean): number {
    const fresh = first ? [...this.#pending.values()] : []
    if (first) this.#pending.clear()
    let added = 0
    for (const op of ops) {
      if (this.#pending.has(op.opId)) continue
      this.#pending.set(op.opId, { op, inFlight: false, attempts: 0, retryAt: 0 })
      added++
    }
    for (const entry of fresh) if (!this.#pending.has(entry.op.opId)) this.#pending.set(entry.op.opId, entry)
    return added
  }

  /** Remove an op that got its final answer; returns it, or undefined if it was not queued. */
  settle(opId: string): ClientOp | undefined {
    const entry = this.#pending.get(opId)
    if (entry === undefined) return undefined
    if (entry.inFlight) this.#inFlight--
    this.#pending.delete(opId)
    return entry.op
  }

  /** The engagement was erased: its ops will never be accepted. Removes and returns them. */
  dropEngagement(engagementId: string): ClientOp[] {
    const out: ClientOp[] = []
    for (const [opId, entry] of this.#pending) {
      if (entry.op.engagementId !== engagementId) continue
      if (entry.inFlight) this.#inFlight--
      this.#pending.delete(opId)
      out.push(entry.op)
    }
    return out
  }

  /** A retryable answer: send the op again after `retryAfterMs` or its own backoff. */
  retryLater(opId: string, retryAfterMs: number | undefined): void {
    const entry = this.#pending.get(opId)
    if (entry === undefined) return
    if (entry.inFlight) this.#inFlight--
    entry.inFlight = false
    const delay = retryAfterMs ?? Math.max(backoffDelay(entry.attempts, this.#o.backoff, this.#o.random), 1)
    entry.retryAt = this.#o.now() + delay
    entry.attempts++
  }

  /** The connection is rate limited: send nothing until then. */
  pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#o.now() + ms)
  }

  /** Saving is delayed (the database is unreachable): pause, then probe with one op at a time. */
  hold(ms: number): void {
    this.pause(ms)
    this.#probing = true
  }

  /**
   * Saving works again. `everything`: the server said so (a notice, a new connection), so the
   * pause and every op's retry timer end now; otherwise (an ack) only the probing ends.
   */
  resume(everything: boolean): void {
    this.#probing = false
    if (!everything) return
    this.#pausedUntil = 0
    for (const entry of this.#pending.values()) entry.retryAt = 0
  }

  /** The socket is gone: whatever was on the wire must be sent again. */
  connectionLost(): void {
    for (const entry of this.#pending.values()) entry.inFlight = false
    this.#inFlight = 0
  }

  /** Send what may be sent: in order, not waiting for a retry, within the window. */
  pump(): void {
    if (!this.#o.canSend()) return
    const now = this.#o.now()
    if (now < this.#pausedUntil) return this.#wakeAt(this.#pausedUntil)
    const window = this.#probing ? 1 : this.#o.maxInFlight
    let next = Infinity
    for (const entry of this.#pending.values()) {
      if (this.#inFlight >= window) break
      if (entry.inFlight) continue
      if (entry.retryAt > now) {
        next = Math.min(next, entry.retryAt)
        continue
      }
      entry.inFlight = true
      this.#inFlight++
      this.#o.transmit(entry.op)
    }
    if (next !== Infinity) this.#wakeAt(next)
  }

  stop(): void {
    clearTimeout(this.#timer)
    this.#timerAt = Infinity
  }

  #wakeAt(at: number): void {
    if (at >= this.#timerAt) return
    clearTimeout(this.#timer)
    this.#timerAt = at
    this.#timer = setTimeout(() => {
      this.#timerAt = Infinity
      this.pump()
    }, Math.max(at - this.#o.now(), 0))
  }
}
