/**
 * The agent page's state: the Zoom engagement cache (H3's), one EngagementSession per engagement
 * this page holds, the server's view of the agent's open engagements, and the wiring between the
 * Zoom adapter, the sessions and the one Connection. Provided to components through context.
 */
import type { EngagementView } from '@switchboard/protocol'
import type { Connection } from '../lib/connection.svelte.ts'
import { contextSlot } from '../lib/context-slot.ts'
import { EngagementCache } from './zoom/engagement-cache.svelte.ts'
import type { EngagementSource, EngagementSync } from './zoom/engagement-sync.ts'
import type { EngagementEntry } from './zoom/engagement-merge.ts'
import type { ZoomError } from './zoom/errors.ts'
import { EngagementSession } from './engagement-session.svelte.ts'
import { ZoomForwarder } from './zoom-forwarder.ts'
import type { DocStorage } from './doc-storage.ts'

/** A row in "other open engagements". */
export interface EngagementSummary {
  id: string
  consumer: string
  channel: string | null
  state: string | null
  /** When the current state began, on the browser's clock. */
  stateSince: number | null
  unread: number
  help: boolean
}

/** An engagement the server erased while this page held it, for the notice that says so. */
export interface ErasedEngagement {
  id: string
  consumer: string
}

/** How long an ended engagement that is not on screen is kept before it is let go (once saved). */
const RETIRE_AFTER_MS = 30_000

function consumerName(entry: EngagementEntry | undefined, view: EngagementView | undefined): string {
  const c = entry?.status.consumers?.[0] ?? view?.consumers[0]
  return c?.consumerDisplayName || c?.consumerNumber || c?.consumerEmail || 'Unknown customer'
}

export class AgentState {
  readonly cache = new EngagementCache()
  readonly conn: Connection
  sessions: Record<string, EngagementSession> = $state({})
  serverViews: Record<string, EngagementView> = $state({})
  dispositions: string[] = $state([])
  /** Problem reading from Zoom that the agent should know about. */
  zoomError: ZoomError | null = $state(null)
  launched = $state(false)
  /**
   * Engagements erased on the server (retention period over, or an administrator's erasure) since
   * this page opened: their notes, unsent changes and local copy are gone. Newest last.
   */
  erased: ErasedEngagement[] = $state([])
  /** Erased engagements whose notice the person dismissed. */
  #dismissed: string[] = $state([])
  /** The notices still to show about engagements erased while not on screen. */
  readonly erasedNotices: ErasedEngagement[] = $derived(
    this.erased.filter((e) => e.id !== this.focusedId && !this.#dismissed.includes(e.id)),
  )

  readonly focusedId: string | null = $derived(this.cache.focusedId)
  readonly current: EngagementSession | null = $derived(this.focusedId ? this.sessions[this.focusedId] ?? null : null)
  /** The engagement on screen in Zoom was erased: nothing of it is shown or sent any more. */
  readonly focusedErased: ErasedEngagement | null = $derived(this.erased.find((e) => e.id === this.focusedId) ?? null)
  readonly others: EngagementSummary[] = $derived(this.#others())

  readonly #forwarder: ZoomForwarder
  #storage: DocStorage | null = null
  #sync: EngagementSync | null = null
  #retireTimers = new Map<string, ReturnType<typeof setTimeout>>()
  /** Engagements the server knows (listed, changed or acked); only those can be subscribed. */
  #serverKnown = new Set<string>()
  /** Sessions waiting for their engagement to exist on the server before subscribing. */
  #awaitingServer = new Set<string>()
  #offs: Array<() => void> = []

  constructor(conn: Connection) {
    this.conn = conn
    // Nothing more goes to the server about an erased engagement (Zoom may still show it).
    this.#forwarder = new ZoomForwarder((op) => { if (!this.#isErased(op.engagementId)) conn.send(op) })
    this.#offs.push(
      conn.on('agent.engagements', (m) => {
        for (const v of m.engagements) this.#onView(v)
      }),
      conn.on('engagement.changed', (m) => this.#onView(m.engagement)),
      // The first ack about an engagement (usually its observe) means the server has it now.
      conn.on('ack', (m) => this.#known(m.engagementId)),
      conn.on('engagement.snapshot', (m) => this.sessions[m.engagementId]?.onSnapshot(m)),
      conn.on('engagement.events', (m) => this.sessions[m.engagementId]?.onEvents(m.events)),
      conn.on('engagement.erased', (m) => this.#onErased(m.engagementId)),
    )
  }

  /** Local document copies (set once the user is known: they are kept per user). */
  useStorage(storage: DocStorage): void {
    this.#storage = storage
    for (const s of Object.values(this.sessions)) s.useStorage(storage)
  }

  /** Follow Zoom: launch reads, then every SDK event goes to the server. */
  attach(source: EngagementSource): EngagementSync {
    const f = this.#forwarder
    this.#sync = this.cache.attach(source, {
      onObserved: (id, context, status) => {
        this.ensureSession(id)
        f.observe(id, context, status)
      },
      onFocus: (id, _ts, changed) => {
        this.ensureSession(id)
        if (changed) f.focus(id)
      },
      onStatus: (id, changes, ts) => {
        // Edits go first: the server writes an engagement's final notes when it commits its end.
        if (changes.state === 'end' || changes.state === 'wrap-up') this.sessions[id]?.doc.flush()
        f.status(id, changes, ts)
        if (changes.state === 'end') this.#scheduleRetire(id)
      },
      onVariables: (id, variables, ts) => f.variables(id, variables, ts),
      onError: (e) => { this.zoomError = e },
    })
    this.#sync.launched.then(() => { this.launched = true }, (e: ZoomError) => {
      this.zoomError = e
      this.launched = true
    })
    return this.#sync
  }

  /** The session of an engagement, created (and subscribed) on first use; null once it was erased. */
  ensureSession(id: string): EngagementSession | null {
    const existing = this.sessions[id]
    if (existing) return existing
    if (this.#isErased(id)) return null
    const session = new EngagementSession(id, {
      send: (op) => this.conn.send(op),
      storage: this.#storage,
    })
    this.sessions[id] = session
    // Subscribing to an engagement the server has not committed yet would fail: wait for it.
    if (this.#serverKnown.has(id)) this.conn.subscribe(id)
    else this.#awaitingServer.add(id)
    return session
  }

  /**
   * Shows the edits still waiting in the outbox (kept on this device from before a reload) in
   * their engagements' notes: the local copy of a document may be older than the last edits,
   * which went to the outbox first. Call once the connection has started (the outbox is loaded).
   */
  showUnsent(): void {
    for (const op of this.conn.pendingOps()) {
      if (op.type === 'doc.update') this.ensureSession(op.engagementId)?.doc.applyRemote(op.update)
    }
  }

  /** Hand every batched edit to the outbox and write local copies (page hide, unload). */
  flushAll(): void {
    for (const s of Object.values(this.sessions)) {
      s.doc.flush()
      s.doc.persistNow()
    }
  }

  destroy(): void {
    this.flushAll()
    for (const off of this.#offs) off()
    this.#sync?.stop()
    for (const t of this.#retireTimers.values()) clearTimeout(t)
    for (const s of Object.values(this.sessions)) s.destroy()
  }

  #known(id: string): void {
    if (this.#serverKnown.has(id)) return
    this.#serverKnown.add(id)
    if (this.#awaitingServer.delete(id) && this.sessions[id]) this.conn.subscribe(id)
  }

  #onView(v: EngagementView): void {
    this.#known(v.id)
    this.serverViews[v.id] = v
    if (v.state !== 'end') this.ensureSession(v.id)?.onView(v)
    else {
      this.sessions[v.id]?.onView(v)
      this.#scheduleRetire(v.id)
    }
  }

  /** Let an erased engagement go from this page: session, notes, local copy, views; say so. */
  #onErased(id: string): void {
    if (this.#isErased(id)) return
    const consumer = consumerName(this.cache.get(id) ?? undefined, this.serverViews[id])
    const t = this.#retireTimers.get(id)
    if (t !== undefined) clearTimeout(t)
    this.#retireTimers.delete(id)
    const s = this.sessions[id]
    if (s) {
      // Nothing of it is sent or stored on the way out: the connection dropped its unsent changes.
      s.discard()
      delete this.sessions[id]
    }
    delete this.serverViews[id]
    this.#serverKnown.delete(id)
    this.#awaitingServer.delete(id)
    this.#storage?.remove(id)
    this.erased = [...this.erased, { id, consumer }]
  }

  #isErased(id: string): boolean {
    return this.erased.some((e) => e.id === id)
  }

  /** The person read the notice about an erased engagement. */
  dismissErased(id: string): void {
    if (!this.#dismissed.includes(id)) this.#dismissed = [...this.#dismissed, id]
  }

  #scheduleRetire(id: string): void {
    if (this.#retireTimers.has(id)) return
    this.#retireTimers.set(id, setTimeout(() => {
      this.#retireTimers.delete(id)
      const s = this.sessions[id]
      if (!s) return
      // Never drop what the agent sees, nor anything not yet saved.
      s.doc.flush()
      if (this.focusedId === id || this.conn.pending > 0) {
        this.#scheduleRetire(id)
        return
      }
      if (this.#serverKnown.has(id)) this.conn.unsubscribe(id)
      this.#awaitingServer.delete(id)
      s.destroy()
      delete this.sessions[id]
      this.#storage?.remove(id)
    }, RETIRE_AFTER_MS))
  }

  #others(): EngagementSummary[] {
    const ids = new Set<string>()
    for (const e of this.cache.open) ids.add(e.id)
    for (const v of Object.values(this.serverViews)) if (v.state !== 'end') ids.add(v.id)
    const out: EngagementSummary[] = []
    for (const id of ids) {
      if (id === this.focusedId || this.#isErased(id)) continue
      const entry = this.cache.get(id) ?? undefined
      const view = this.serverViews[id]
      const state = entry?.status.state ?? view?.state ?? null
      if (state === 'end') continue
      const session = this.sessions[id]
      out.push({
        id,
        consumer: consumerName(entry, view),
        channel: entry?.status.channel ?? view?.channel ?? null,
        state,
        stateSince: view?.stateSince != null ? view.stateSince - this.conn.serverOffsetMs : entry?.stateSince ?? null,
        unread: session?.unread.length ?? 0,
        help: session?.helpRaised ?? view?.help != null,
      })
    }
    return out
  }
}

const slot = contextSlot<AgentState>('agent state')

/** Provide the page's agent state to all components below (call in the root component). */
export const setAgentState = slot.set
export const getAgentState = slot.get

export { consumerName }
