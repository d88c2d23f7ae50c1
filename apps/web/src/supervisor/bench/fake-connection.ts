/**
 * A Connection for the scale harness: the real class (so the dashboard and its status line run
 * unchanged, and messages reach listeners through its own dispatch) with the socket replaced by
 * in-page hooks. Messages are dispatched synchronously.
 */
import type { ServerMessage } from '@switchboard/protocol'
import { newOpId } from '@switchboard/protocol/op-id'
import { Connection, type OpInput } from '../../lib/connection.svelte.ts'

export class FakeConnection extends Connection {
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

  /** Stands in for the sync client, which would assign the id. */
  override send(op: OpInput): string {
    const opId = op.opId ?? newOpId()
    this.onSend({ ...op, opId } as OpInput & { opId: string })
    return opId
  }

  override close(): void {}

  /** A server frame, delivered as the connection delivers the socket's. */
  emit(msg: ServerMessage): void {
    this.receive(msg)
  }
}
