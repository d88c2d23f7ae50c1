/**
 * The seam between the page's Connection and the protocol package's SyncClient: the only file
 * that knows the SyncClient's options, states and events.
 */
import {
  SyncClient, type OutboxStage, type SyncState as ClientState, type WebSocketConstructor,
} from '@switchboard/protocol/sync-client'
import { MemoryOutbox, type Outbox } from '@switchboard/protocol/outbox'
import { newOpId } from '@switchboard/protocol/op-id'
import { ERRORS, CLOSE, type ClientOp, type ServerMessage } from '@switchboard/protocol'
import type { ConnectionState } from './status-text.ts'

export type SyncState = ConnectionState

export interface SyncHandle {
  /** Queue an op; returns its opId at once (the op is persisted before it is sent). */
  send(op: { type: string; opId?: string }): string
  subscribe(engagementId: string): void
  unsubscribe(engagementId: string): void
  subscribeBoard(): void
  unsubscribeBoard(): void
  /** Resolves when every op queued so far is in the outbox. */
  flushed(): Promise<void>
  close(): void
}

export interface OpenOptions {
  url: string
  surface: 'agent' | 'supervisor' | 'other'
  clientId: string
  outbox: Outbox
  getToken?: () => string | null | Promise<string | null>
  onState(state: SyncState): void
  onPending(count: number): void
  onMessage(msg: ServerMessage): void
  onRejected(e: { code: string; message: string; op: ClientOp }): void
  onFatal(reason: string): void
  /**
   * The device outbox failed (`store`: an op lives only in memory until it is sent, so closing
   * the page now would lose it). Without a handler the failure is logged.
   */
  onOutboxError?(e: { stage: OutboxStage; error: unknown; op?: ClientOp }): void
}

/** The SyncClient's states in the words the UI uses. */
export function toConnectionState(s: ClientState): SyncState {
  switch (s) {
    case 'open': return 'connected'
    case 'closed': return 'offline'
    default: return s
  }
}

function closeReason(code: number | undefined, reason: string | undefined): string {
  switch (code) {
    case CLOSE.UNAUTHENTICATED: return ERRORS.UNAUTHENTICATED.message + ' Reopen the app to sign in again.'
    case CLOSE.SESSION_EXPIRED: return ERRORS.SESSION_EXPIRED.message
    case CLOSE.FORBIDDEN: return ERRORS.FORBIDDEN.message
    case CLOSE.VERSION_UNSUPPORTED: return ERRORS.VERSION_UNSUPPORTED.message
    default: return reason || 'The connection was closed.'
  }
}

export function openSyncClient(o: OpenOptions): SyncHandle {
  const client = new SyncClient({
    url: o.url,
    WebSocket: globalThis.WebSocket as unknown as WebSocketConstructor,
    clientId: o.clientId,
    surface: o.surface,
    outbox: o.outbox,
    getToken: o.getToken,
  })
  client.on('state', (e) => {
    o.onPending(e.pending)
    o.onState(toConnectionState(e.state))
    if (e.state === 'closed' && e.closeCode !== undefined) o.onFatal(closeReason(e.closeCode, e.reason))
  })
  client.on('message', (m) => o.onMessage(m))
  client.on('opRejected', (e) => o.onRejected({ code: e.code, message: e.message, op: e.op }))
  client.on('outboxError', (e) => {
    if (o.onOutboxError) o.onOutboxError(e)
    else console.warn(`switchboard: outbox ${e.stage} failed`, e.error)
  })
  // A frame this client cannot read is skipped; say so where a developer will look.
  client.on('invalidFrame', (e) => console.warn(`switchboard: skipped a server frame it could not read (${e.type ?? 'no type'})`, e.sample))

  const online = (): void => client.setOnline(true)
  const offline = (): void => client.setOnline(false)
  if (typeof window !== 'undefined') {
    window.addEventListener('online', online)
    window.addEventListener('offline', offline)
    if (navigator.onLine === false) client.setOnline(false)
  }
  void client.start()

  return {
    send(op) {
      const opId = op.opId ?? newOpId()
      // Rejects only for an op that cannot be serialised at all (a bug): say so, never drop it silently.
      client.send({ ...op, opId } as ClientOp).catch((error: unknown) => {
        o.onRejected({ code: 'BAD_MESSAGE', message: 'A change could not be saved: it could not be encoded.', op: { ...op, opId } as ClientOp })
        console.error('switchboard: op could not be encoded', error)
      })
      return opId
    },
    subscribe: (id) => client.subscribe(id),
    unsubscribe: (id) => client.unsubscribe(id),
    subscribeBoard: () => client.subscribeBoard(),
    unsubscribeBoard: () => client.unsubscribeBoard(),
    flushed: () => client.flushed(),
    close() {
      if (typeof window !== 'undefined') {
        window.removeEventListener('online', online)
        window.removeEventListener('offline', offline)
      }
      client.close()
      o.outbox.close?.()
    },
  }
}

export { MemoryOutbox }
