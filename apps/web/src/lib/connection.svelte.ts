/**
 * The ONE connection object per page: it owns the protocol package's SyncClient (browser
 * WebSocket, outbox, resume) and exposes reactive state for the UI. Components never touch the
 * socket: they call `send`, `subscribe`, `on`.
 *
 * The client exists from construction, so an op sent before `start()` (Zoom events while the page
 * signs in) is queued at once with its id; it waits for the outbox, which `start()` opens (the
 * agent's is per user, known only after sign-in), and is stored and sent from there.
 */
import {
  CLOSE, ERRORS, type ClientOp, type ServerMessage, type ServerMessageOf, type ServerMessageType, type SessionUser,
} from '@switchboard/protocol'
import { EventHub } from '@switchboard/protocol/emitter'
import { MemoryOutbox, type Outbox } from '@switchboard/protocol/outbox'
import {
  SyncClient, type ClientOpInput, type OutboxStage, type StateEvent, type SyncState, type WebSocketConstructor,
} from '@switchboard/protocol/sync-client'
import { STORAGE_FAILED_MESSAGE, statusText, type ConnectionState, type StatusText } from './status-text.ts'
import { wsUrl } from './ws-url.ts'
import { contextSlot } from './context-slot.ts'

export type Surface = 'agent' | 'supervisor' | 'other'

/** `lastError.code` when the device outbox failed (see `storageFailed`). */
export const OUTBOX_ERROR = 'OUTBOX_ERROR'
/** An op as components write it: the sync client assigns the `opId`. */
export type OpInput = ClientOpInput

export interface ConnectionOptions {
  surface: Surface
  /**
   * Where unacked ops wait. Agent pages pass a persistent (IndexedDB) outbox so edits survive
   * reloads; the default keeps them in memory (enough for a dashboard). A function is called by
   * `start()`.
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

type Messages = { [T in ServerMessageType]: ServerMessageOf<T> }

/** The SyncClient's states in the words the UI uses. */
export function toConnectionState(s: SyncState): ConnectionState {
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

/** The outbox `start()` opens, standing in for it until then (ops queued earlier wait for it). */
class PendingOutbox implements Outbox {
  readonly ready: Promise<Outbox>
  resolve!: (outbox: Outbox) => void

  constructor() {
    this.ready = new Promise((resolve) => { this.resolve = resolve })
  }

  async load(): Promise<ClientOp[]> { return (await this.ready).load() }
  async put(op: ClientOp): Promise<void> { return (await this.ready).put(op) }
  async delete(opId: string): Promise<void> { return (await this.ready).delete(opId) }
  async adopt(): Promise<ClientOp[]> {
    const o = await this.ready
    return o.adopt ? o.adopt() : []
  }
  close(): void { void this.ready.then((o) => o.close?.()) }
}

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
  /** The close code behind `fatal` (e.g. 4002 when the session ended), null while none. */
  fatalCode = $state<number | null>(null)
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
  readonly #outbox = new PendingOutbox()
  readonly #client: SyncClient
  readonly #messages = new EventHub<Messages>()
  #started = false
  #closed = false
  #offHost: () => void = () => {}

  constructor(opts: ConnectionOptions) {
    this.#opts = opts
    const loc = opts.location ?? window.location
    const client = new SyncClient({
      url: wsUrl(loc),
      WebSocket: globalThis.WebSocket as unknown as WebSocketConstructor,
      clientId: opts.clientId ?? tabClientId(),
      surface: opts.surface,
      outbox: this.#outbox,
      getToken: opts.getToken,
    })
    client.on('state', (e) => this.#onState(e))
    client.on('message', (m) => this.receive(m))
    client.on('opRejected', (e) => {
      // An engagement the server erased is not created again (an observe after a reload while
      // Zoom still shows it): the same news as `engagement.erased`, not an error to show.
      if (e.code === 'ENGAGEMENT_ERASED') this.receive({ type: 'engagement.erased', engagementId: e.op.engagementId })
      else this.lastError = { code: e.code, message: e.message }
    })
    client.on('outboxError', (e) => this.#onOutboxError(e.stage, e.error))
    // A frame this client cannot read is skipped; say so where a developer will look.
    client.on('invalidFrame', (e) => console.warn(`switchboard: skipped a server frame it could not read (${e.type ?? 'no type'})`, e.sample))
    this.#client = client
  }

  /** Open the outbox and the socket (once). Resolves once the outbox is ready. */
  async start(): Promise<void> {
    if (this.#started || this.#closed) return
    this.#started = true
    const o = this.#opts.outbox
    let outbox: Outbox
    try {
      outbox = typeof o === 'function' ? await o() : o ?? new MemoryOutbox()
    } catch {
      // Private mode or a blocked IndexedDB: keep working, unsent changes just do not survive a reload.
      outbox = new MemoryOutbox()
    }
    if (this.#closed) return
    this.#outbox.resolve(outbox)
    this.#followHostNetwork()
    await this.#client.start()
  }

  /**
   * Queue a mutation; it is kept (persistently on the agent page) until the server acks it.
   * Returns its op id. An op that cannot be encoded at all (a bug) is reported, never dropped silently.
   */
  send(op: OpInput): string {
    try {
      return this.#client.queueOp(op).opId
    } catch (error) {
      console.error('switchboard: op could not be encoded', error)
      this.lastError = { code: 'BAD_MESSAGE', message: 'A change could not be saved: it could not be encoded.' }
      return op.opId ?? ''
    }
  }

  /** Follow an engagement's log: a snapshot first, then live rows (resumed after reconnects). */
  subscribe(engagementId: string): void {
    this.#client.subscribe(engagementId)
  }

  unsubscribe(engagementId: string): void {
    this.#client.unsubscribe(engagementId)
  }

  subscribeBoard(): void {
    this.#client.subscribeBoard()
  }

  unsubscribeBoard(): void {
    this.#client.unsubscribeBoard()
  }

  /** Ops not yet acked, in send order (after `start()`: those this device kept from before too). */
  pendingOps(): ClientOp[] {
    return this.#client.pendingOps()
  }

  /** Resolves when every op queued so far is durable in the outbox. */
  flushed(): Promise<void> {
    return this.#started ? this.#client.flushed() : Promise.resolve()
  }

  /** Listen to one type of server message; returns the unsubscribe function. */
  on<T extends ServerMessageType>(type: T, fn: (msg: ServerMessageOf<T>) => void): () => void {
    return this.#messages.on(type, fn)
  }

  dismissError(): void {
    this.lastError = null
  }

  /** Stop for good: closes the socket and the outbox (unacked ops stay in it). */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#offHost()
    this.#client.close()
    this.#outbox.close()
  }

  /** A server message: the connection's own state first, then the listeners of its type. */
  protected receive(msg: ServerMessage): void {
    switch (msg.type) {
      case 'welcome':
        this.user = msg.user
        this.devSignIn = msg.devSignIn
        this.serverOffsetMs = msg.serverTime - Date.now()
        this.fatal = null
        this.fatalCode = null
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
    this.#messages.emit(msg.type, msg as never)
  }

  /** The browser's online/offline events are hints the client acts on at once. */
  #followHostNetwork(): void {
    if (typeof window === 'undefined') return
    const client = this.#client
    const online = (): void => client.setOnline(true)
    const offline = (): void => client.setOnline(false)
    window.addEventListener('online', online)
    window.addEventListener('offline', offline)
    if (navigator.onLine === false) client.setOnline(false)
    this.#offHost = () => {
      window.removeEventListener('online', online)
      window.removeEventListener('offline', offline)
    }
  }

  #onState(e: StateEvent): void {
    const before = this.pending
    this.pending = e.pending
    if (e.pending === 0 && before > 0) this.lastSavedAt = Date.now()
    if (e.pending === 0 && this.storageFailed) {
      // Everything reached the server: nothing depends on the device any more.
      this.storageFailed = false
      if (this.lastError?.code === OUTBOX_ERROR) this.lastError = null
    }
    this.status = toConnectionState(e.state)
    if (e.state === 'closed' && e.closeCode !== undefined) {
      this.fatal = closeReason(e.closeCode, e.reason)
      this.fatalCode = e.closeCode
    }
  }

  #onOutboxError(stage: OutboxStage, error: unknown): void {
    console.warn(`switchboard: outbox ${stage} failed`, error)
    // A stale row left behind (`forget`) or an adoption tried again later loses nothing.
    if (stage !== 'store' && stage !== 'load') return
    this.storageFailed = true
    this.lastError = { code: OUTBOX_ERROR, message: STORAGE_FAILED_MESSAGE }
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

const slot = contextSlot<Connection>('connection')

/** Provide the page's connection to all components below (call in the root component). */
export const setConnection = slot.set
/** The connection a parent (or a harness, through `mount`'s context) provided, else `make()`'s, provided from here down. */
export const provideConnection = slot.provide
/** For `mount(..., { context })`: a connection made outside any component (benches, harnesses). */
export const connectionContext = slot.entry
/** The page's connection (the root component provides it). */
export const getConnection = slot.get
