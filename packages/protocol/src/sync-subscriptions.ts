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
    this.#subs.set(engagementId, { lastSeq: null, awaitingSnapshot: true })
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
  }

  onEvents(msg: Events): EventsResult {
    const sub = this.#subs.get(msg.engagementId)
    if (sub === undefined) return { message: msg } // not ours to track (pushed to the agent's sessions)
    if (sub.awaitingSnapshot || sub.lastSeq === null) return { message: null }
    const last = sub.lastSeq
    const fresh = msg.events.filter((e) => e.seq > last)
    if (fresh.length === 0) return { message: null }
    let expected = last + 1
    for (const event of fresh) {
      if (event.seq !== expected) {
        sub.awaitingSnapshot = true
        return { message: null, gap: { engagementId: msg.engagementId, expectedSeq: expected, gotSeq: event.seq } }
      }
      expected++
    }
    sub.lastSeq = expected - 1
    return { message: fresh.length === msg.events.length ? msg : { ...msg, events: fresh } }
  }
}
