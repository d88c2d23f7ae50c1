/**
 * Forwards what the Zoom adapter reports to the server as ops, through the connection's outbox.
 *
 * The server learns an engagement from `engagement.observe` (context + full status); focus, status
 * and variable ops about an engagement this page has not observed yet wait behind its observe, so
 * they never reach the server before the engagement exists there. Status ops carry only the event's
 * changed fields, its own engagementId and its own Zoom timestamp. Ops go out as built (they may
 * hold the cache's reactive objects): the connection copies each op as it queues it.
 */
import type { EngagementContext, EngagementStatusChanges, EngagementVariable } from '@switchboard/protocol'
import type { OpInput } from '../lib/connection.svelte.ts'

export class ZoomForwarder {
  readonly #send: (op: OpInput) => void
  readonly #now: () => number
  readonly #observed = new Set<string>()
  /** What the last observe of each engagement said, to send no observe that repeats it. */
  readonly #lastObserve = new Map<string, string>()
  readonly #waiting = new Map<string, OpInput[]>()

  constructor(send: (op: OpInput) => void, now: () => number = Date.now) {
    this.#send = send
    this.#now = now
  }

  /** Engagements observed by this page (their ops go straight out). */
  get observed(): ReadonlySet<string> {
    return this.#observed
  }

  /**
   * The engagement as Zoom describes it now (launch, switch, re-read). One that repeats this page's
   * last observe of the engagement is not sent again (every switch re-reads the engagement).
   */
  observe(engagementId: string, context: EngagementContext, status: EngagementStatusChanges | null): void {
    const said = JSON.stringify([context, status])
    if (this.#lastObserve.get(engagementId) === said) return
    this.#lastObserve.set(engagementId, said)
    this.#send({
      type: 'engagement.observe',
      engagementId,
      context,
      ...(status && Object.keys(status).length > 0 ? { status } : {}),
      at: this.#now(),
    })
    this.#observed.add(engagementId)
    const waiting = this.#waiting.get(engagementId)
    if (waiting) {
      this.#waiting.delete(engagementId)
      for (const op of waiting) this.#send(op)
    }
  }

  focus(engagementId: string): void {
    this.#out(engagementId, { type: 'engagement.focus', engagementId, at: this.#now() })
  }

  status(engagementId: string, changes: EngagementStatusChanges, zoomTimestamp: number | null): void {
    if (Object.keys(changes).length === 0) return
    this.#out(engagementId, {
      type: 'engagement.status',
      engagementId,
      changes,
      ...(zoomTimestamp != null ? { zoomTimestamp } : {}),
      at: this.#now(),
    })
  }

  variables(engagementId: string, variables: EngagementVariable[], zoomTimestamp: number | null): void {
    if (variables.length === 0) return
    this.#out(engagementId, {
      type: 'engagement.variables',
      engagementId,
      variables: variables.slice(0, 100),
      ...(zoomTimestamp != null ? { zoomTimestamp } : {}),
      at: this.#now(),
    })
  }

  #out(engagementId: string, op: OpInput): void {
    if (this.#observed.has(engagementId)) {
      this.#send(op)
      return
    }
    let list = this.#waiting.get(engagementId)
    if (!list) this.#waiting.set(engagementId, (list = []))
    // Bounded: an engagement that never gets observed (ended before we could read it) must not grow forever.
    if (list.length < 200) list.push(op)
  }
}
