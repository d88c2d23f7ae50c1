/**
 * Per-engagement resume state for the sync client: the last log seq seen, and whether a
 * snapshot is awaited. Keeps the stream handed to the app gap-free and duplicate-free.
 */
import type { ClientMessage } from './client-messages.ts'
import type { ServerMessageOf } from './server-messages.ts'

interface Sub {
  lastSeq: number | null
  /** A fresh snapshot was asked for; events until it arrives are dropped (it includes them). */
  awaitingSnapshot: boolean
  /**
   * Seqs of this client's own notes rows past `lastSeq`, known from their acks: the server does
   * not send them back to a session in line, so the stream skips over them.
   */
  own: Set<number> | null
}

type Events = ServerMessageOf<'engagement.events'>

export interface EventsResult {
  /** What to hand on: the batch without rows already seen, or null. */
  message: Events | null
  gap?: { engagementId: string; expectedSeq: number; gotSeq: number }
}

export class SubscriptionTracker {
  readonly #subs = new Map<string, Sub>()

  /** False when already subscribed. */
  add(engagementId: string): boolean {
    if (this.#subs.has(engagementId)) return false
    this.#subs.set(engagementId, { lastSeq: null, awaitingSnapshot: true, own: null })
    return true
  }

  remove(engagementId: string): boolean {
    return this.#subs.delete(engagementId)
  }

  lastSeq(engagementId: string): number | null {
    return this.#subs.get(engagementId)?.lastSeq ?? null
  }

  /** Resume from the last seen seq when there is one, else ask for a snapshot. */
  subscribeMessage(engagementId: string): ClientMessage {
    const sub = this.#subs.get(engagementId)
    return sub === undefined || sub.awaitingSnapshot || sub.lastSeq === null
      ? { type: 'subscribe', engagementId }
      : { type: 'subscribe', engagementId, afterSeq: sub.lastSeq }
  }

  resubscribeMessages(): ClientMessage[] {
    return [...this.#subs.keys()].map((id) => this.subscribeMessage(id))
  }

  onSnapshot(engagementId: string, seq: number): void {
    const sub = this.#subs.get(engagementId)
    if (sub === undefined) return
    sub.lastSeq = seq
    sub.awaitingSnapshot = false
    skipOwn(sub)
  }

  /**
   * The ack of this client's `doc.update` (not a duplicate): row `seq` is the client's own, and
   * the server does not send it back to a session that is in line. Seen, as if it had come.
   */
  onOwnRow(engagementId: string, seq: number): void {
    const sub = this.#subs.get(engagementId)
    if (sub === undefined || (sub.lastSeq !== null && seq <= sub.lastSeq)) return
    ;(sub.own ??= new Set()).add(seq)
    if (!sub.awaitingSnapshot) skipOwn(sub)
  }

  onEvents(msg: Events): EventsResult {
    const sub = this.#subs.get(msg.engagementId)
    if (sub === undefined) return { message: msg } // not ours to track (pushed to the agent's sessions)
    if (sub.awaitingSnapshot || sub.lastSeq === null) return { message: null }
    const fresh: Events['events'] = []
    let expected = sub.lastSeq + 1
    for (const event of msg.events) {
      while (sub.own?.delete(expected)) expected++
      // Already seen (or the client's own row, sent anyway to a session that was behind).
      if (event.seq < expected) continue
      if (event.seq !== expected) {
        sub.awaitingSnapshot = true
        sub.own = null
        return { message: null, gap: { engagementId: msg.engagementId, expectedSeq: expected, gotSeq: event.seq } }
      }
      fresh.push(event)
      expected++
    }
    sub.lastSeq = expected - 1
    skipOwn(sub)
    if (fresh.length === 0) return { message: null }
    return { message: fresh.length === msg.events.length ? msg : { ...msg, events: fresh } }
  }
}

/** Moves `lastSeq` past the client's own rows that follow it, and forgets those behind it. */
function skipOwn(sub: Sub): void {
  if (sub.own === null || sub.lastSeq === null) return
  while (sub.own.delete(sub.lastSeq + 1)) sub.lastSeq++
  for (const seq of sub.own) if (seq <= sub.lastSeq) sub.own.delete(seq)
  if (sub.own.size === 0) sub.own = null
}
