/**
 * A Connection for the scale harness: the real class (so the dashboard and its status line run
 * unchanged) with the socket replaced by in-page hooks. Messages are dispatched synchronously.
 */
import type { ServerMessage, ServerMessageOf, ServerMessageType } from '@switchboard/protocol'
import { Connection, type OpInput } from '../../lib/connection.svelte.ts'

type Fn = (msg: ServerMessage) => void

export class FakeConnection extends Connection {
  readonly #ls = new Map<string, Set<Fn>>()
  onBoardSubscribe: () => void = () => {}
  onSubscribe: (engagementId: string) => void = () => {}
  onSend: (op: OpInput & { opId: string }) => void = () => {}
  subscriptions = new Set<string>()

  constructor() {
    super({ surface: 'supervisor' })
  }

  override async start(): Promise<void> {
    this.status = 'connected'
  }

  override on<T extends ServerMessageType>(type: T, fn: (msg: ServerMessageOf<T>) => void): () => void {
    let set = this.#ls.get(type)
    if (!set) this.#ls.set(type, (set = new Set()))
    const f = fn as Fn
    set.add(f)
    return () => { set.delete(f) }
  }

  override subscribeBoard(): void {
    queueMicrotask(() => this.onBoardSubscribe())
  }

  override subscribe(engagementId: string): void {
    this.subscriptions.add(engagementId)
    queueMicrotask(() => this.onSubscribe(engagementId))
  }

  override unsubscribe(engagementId: string): void {
    this.subscriptions.delete(engagementId)
  }

  override send(op: OpInput): string {
    const opId = op.opId ?? crypto.randomUUID()
    this.onSend({ ...op, opId } as OpInput & { opId: string })
    return opId
  }

  override close(): void {}

  emit(msg: ServerMessage): void {
    const set = this.#ls.get(msg.type)
    if (set) for (const fn of [...set]) fn(msg)
  }
}
