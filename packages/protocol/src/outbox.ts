/**
 * The sync client's outbox: ops not yet acked, in send order. Persistence is pluggable:
 * `MemoryOutbox` for Node (load generator, tests), `IndexedDbOutbox` in the browser
 * (`@switchboard/protocol/outbox-indexeddb`, kept out of this module so Node never loads it).
 */
import type { ClientOp } from './client-messages.ts'

export interface Outbox {
  /** Unacked ops in the order they were first put (including any this outbox adopted). */
  load(): Promise<ClientOp[]>
  /** Persist an op (resolves once durable). Putting an op id twice keeps its first position. */
  put(op: ClientOp): Promise<void>
  /** Forget an op (acked or rejected). Unknown ids are ignored. */
  delete(opId: string): Promise<void>
  /**
   * Take over ops left by other clients of the same user that are gone (closed tab, restarted
   * webview). The sync client calls it after each `welcome`; returned ops are now this outbox's.
   */
  adopt?(): Promise<ClientOp[]>
  close?(): void
}

/** Not durable: ops survive reconnects of one process, not a restart. */
export class MemoryOutbox implements Outbox {
  readonly #ops = new Map<string, ClientOp>()

  async load(): Promise<ClientOp[]> {
    return [...this.#ops.values()]
  }

  async put(op: ClientOp): Promise<void> {
    if (!this.#ops.has(op.opId)) this.#ops.set(op.opId, op)
  }

  async delete(opId: string): Promise<void> {
    this.#ops.delete(opId)
  }

  get size(): number {
    return this.#ops.size
  }
}
