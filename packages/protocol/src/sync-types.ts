/** Types of the sync client's public surface (options, events, the injected WebSocket). */
import type { Static } from 'typebox'
import type { ClientOp, Hello } from './client-messages.ts'
import type { ServerMessage, ServerMessageOf } from './server-messages.ts'
import type { ErrorCode } from './errors.ts'
import type { Outbox } from './outbox.ts'
import type { BackoffOptions } from './backoff.ts'

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
  /**
   * How often the outbox is asked to adopt ops of this user's tabs that died since (and failed
   * writes are retried). Adoption also runs on load and after each welcome. Default 30000.
   */
  adoptEveryMs?: number
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
  /**
   * The outbox failed. `store`: `op` could not be stored (it is still kept in memory and sent, and
   * storing it is retried periodically), so it would not survive a reload; `load`: ops stored
   * before could not be read; `forget`: an answered op stays stored (resent later, deduplicated by
   * the server); `adopt`: other tabs' ops could not be taken over (tried again later).
   */
  outboxError: { error: unknown; stage: OutboxStage; op?: ClientOp }
  /**
   * A frame the tolerant parser could not use (not JSON, an unknown type, or a known type that
   * does not match its schema) was skipped: `type` when it had one, the frame's first 300 characters.
   */
  invalidFrame: { type: string | null; sample: string }
}

export type OutboxStage = 'load' | 'store' | 'forget' | 'adopt'

/** Errors after which an op is tried again later; any other coded answer drops it. */
export const RETRYABLE_CODES: readonly ErrorCode[] = [
  'RATE_LIMITED', 'UNAVAILABLE', 'NOT_READY', 'SHUTTING_DOWN', 'SLOW_CONSUMER', 'INTERNAL',
]
