/**
 * The ONE connection object per page. It owns the protocol package's SyncClient (browser
 * WebSocket, outbox, resume) and exposes reactive state for the UI. Components never touch
 * the socket: they call `send`, `subscribe`, `on`.
 */
import { getContext, setContext } from 'svelte'
import type {
  ClientOp, ServerMessage, ServerMessageOf, ServerMessageType, SessionUser,
} from '@switchboard/protocol'
import type { Outbox } from '@switchboard/protocol/outbox'
import { MemoryOutbox, openSyncClient, type SyncHandle, type SyncState } from './sync-adapter.ts'
import { STORAGE_FAILED_MESSAGE, statusText, type ConnectionState, type StatusText } from './status-text.ts'
import type { OutboxStage } from '@switchboard/protocol/sync-client'
import { wsUrl } from './ws-url.ts'
import { newOpId } from '@switchboard/protocol/op-id'

export type Surface = 'agent' | 'supervisor' | 'other'

/** `lastError.code` when the device outbox failed (see `storageFailed`). */
export const OUTBOX_ERROR = 'OUTBOX_ERROR'
/** An op as components write it: the connection adds the `opId`. */
export type OpInput = ClientOp extends infer O ? O extends ClientOp ? Omit<O, 'opId'> & { opId?: string } : never : never

export interface ConnectionOptions {
  surface: Surface
  /**
   * Where unacked ops wait. Agent pages pass a persistent (IndexedDB) outbox so edits survive
   * reloads; the default keeps them in memory (enough for a dashboard).
   */
  outbox?: Outbox | (() => Promise<Outbox>)
  /** Stable id of this page instance (the hello `clientId`); default: one per tab. */
  clientId?: string
  /** A short-lived `ws` token from sign-in, if the server gave one (sent as `?token=`). */
  getToken?: () => string | null | Promise<string | null>
  /** Defaults to the page's location. */
  location?: { protocol: string; host: string }
}

export interface Notice { code: string; message: string }

type Listener<T extends ServerMessageType> = (msg: ServerMessageOf<T>) => void

export class Connection {
  status = $state<ConnectionState>('connecting')
  /** Unacknowledged ops (in the outbox). */
  pending = $state(0)
  lastSavedAt = $state<number | null>(null)
  user = $state<SessionUser | null>(null)
  devSignIn = $state(false)
  savingDelayed = $state(false)
  /** Latest operational notice from the server (saving-delayed, going-away). */
  notice = $state<Notice | null>(null)
  /** Latest rejected op, for a visible error the person can act on. */
  lastError = $state<Notice | null>(null)
  /** A terminal problem: the connection will not retry without user action. */
  fatal = $state<string | null>(null)
  /**
   * The device outbox failed to store a change (or to read stored ones): unsent changes are only
   * in memory until they are sent. Cleared once nothing is pending.
   */
  storageFailed = $state(false)
  /** Server clock minus browser clock, from `welcome`. */
  serverOffsetMs = $state(0)

  readonly text: StatusText = $derived(statusText({
    status: this.status, pending: this.pending, savingDelayed: this.savingDelayed, fatal: this.fatal,
    storageFailed: this.storageFailed,
  }))

  readonly #opts: ConnectionOptions
  #handle: SyncHandle | null = null
  /** Ops and subscriptions made before `start()` finished opening the outbox. */
  #early: Array<(h: SyncHandle) => void> = []
  #listeners = new Map<string, Set<(msg: ServerMessage) => void>>()
  #started = false

  constructor(opts: ConnectionOptions) {
    this.#opts = opts
  }

  /** Open the socket (idempotent). Resolves once the outbox is ready and sending is possible. */
  async start(): Promise<void> {
    if (this.#started) return
    this.#started = true
    const loc = this.#opts.location ?? window.location
    const o = this.#opts.outbox
    let outbox: Outbox
    try {
      outbox = typeof o === 'function' ? await o() : o ?? new MemoryOutbox()
    } catch {
      // Private mode or a blocked IndexedDB: keep working, unsent changes just do not survive a reload.
      outbox = new MemoryOutbox()
    }
    const handle = openSyncClient({
      url: wsUrl(loc),
      surface: this.#opts.surface,
      clientId: this.#opts.clientId ?? tabClientId(),
      outbox,
      getToken: this.#opts.getToken,
      onState: (s) => this.#onState(s),
      onPending: (n) => this.#onPending(n),
      onMessage: (m) => this.#dispatch(m),
      onRejected: (e) => { this.lastError = { code: e.code, message: e.message } },
      onFatal: (reason) => { this.fatal = reason },
      onOutboxError: (e) => this.#onOutboxError(e.stage, e.error),
    })
    this.#handle = handle
    const early = this.#early
    this.#early = []
    for (const fn of early) fn(handle)
  }

  #run(fn: (h: SyncHandle) => void): void {
    if (this.#handle) fn(this.#handle)
    else this.#early.push(fn)
  }

  /** Queue a mutation; it is kept (persistently on the agent page) until the server acks it. */
  send(op: OpInput): string {
    const withId = { ...op, opId: op.opId ?? newOpId() }
    this.#run((h) => h.send(withId))
    return withId.opId
  }

  /** Follow an engagement's log: a snapshot first, then live rows (resumed after reconnects). */
  subscribe(engagementId: string): void {
    this.#run((h) => h.subscribe(engagementId))
  }

  unsubscribe(engagementId: string): void {
    this.#run((h) => h.unsubscribe(engagementId))
  }

  subscribeBoard(): void {
    this.#run((h) => h.subscribeBoard())
  }

  unsubscribeBoard(): void {
    this.#run((h) => h.unsubscribeBoard())
  }

  /** Resolves when every op queued so far is durable in the outbox. */
  flushed(): Promise<void> {
    return this.#handle?.flushed() ?? Promise.resolve()
  }

  /** Listen to one type of server message; returns the unsubscribe function. */
  on<T extends ServerMessageType>(type: T, fn: Listener<T>): () => void {
    let set = this.#listeners.get(type)
    if (!set) this.#listeners.set(type, (set = new Set()))
    const f = fn as (msg: ServerMessage) => void
    set.add(f)
    return () => { set.delete(f) }
  }

  dismissError(): void {
    this.lastError = null
  }

  close(): void {
    this.#handle?.close()
    this.#handle = null
    this.#early = []
    this.#started = false
  }

  #onState(s: SyncState): void {
    this.status = s
  }

  #onPending(n: number): void {
    const before = this.pending
    this.pending = n
    if (n === 0 && before > 0) this.lastSavedAt = Date.now()
    if (n === 0 && this.storageFailed) {
      // Everything reached the server: nothing depends on the device any more.
      this.storageFailed = false
      if (this.lastError?.code === OUTBOX_ERROR) this.lastError = null
    }
  }

  #onOutboxError(stage: OutboxStage, error: unknown): void {
    console.warn(`switchboard: outbox ${stage} failed`, error)
    // A stale row left behind (`forget`) or an adoption tried again later loses nothing.
    if (stage !== 'store' && stage !== 'load') return
    this.storageFailed = true
    this.lastError = { code: OUTBOX_ERROR, message: STORAGE_FAILED_MESSAGE }
  }

  #dispatch(msg: ServerMessage): void {
    switch (msg.type) {
      case 'welcome':
        this.user = msg.user
        this.devSignIn = msg.devSignIn
        this.serverOffsetMs = msg.serverTime - Date.now()
        this.fatal = null
        this.savingDelayed = false
        break
      case 'ack':
        if (this.pending === 0) this.lastSavedAt = Date.now()
        break
      case 'notice':
        if (msg.code === 'saving-delayed') this.savingDelayed = true
        else if (msg.code === 'saving-resumed') this.savingDelayed = false
        this.notice = msg.code === 'saving-resumed' ? null : { code: msg.code, message: msg.message }
        break
    }
    const set = this.#listeners.get(msg.type)
    if (set) for (const fn of [...set]) fn(msg)
  }
}

/** One id per browser tab, kept across reloads of that tab. */
function tabClientId(): string {
  const KEY = 'switchboard.clientId'
  try {
    const existing = sessionStorage.getItem(KEY)
    if (existing) return existing
    const id = crypto.randomUUID()
    sessionStorage.setItem(KEY, id)
    return id
  } catch {
    return crypto.randomUUID()
  }
}

const KEY = Symbol('switchboard.connection')

/** Provide the page's connection to all components below (call in the root component). */
export function setConnection(conn: Connection): Connection {
  return setContext(KEY, conn)
}

export function getConnection(): Connection {
  const conn = getContext<Connection | undefined>(KEY)
  if (!conn) throw new Error('No Connection in context: call setConnection in the root component')
  return conn
}
