/**
 * One engagement's notes document on the client: the Y.Doc, the server seq it has applied, and
 * the batching of local edits into `doc.update` ops.
 *
 * Local edits: the first after a quiet spell goes out at once (nothing was sent in the last
 * `batchMs`), so a supervisor sees an agent's key without waiting for a batch timer; edits that
 * follow within `batchMs` of a send are merged until that window ends and sent as one base64
 * update (split when the merge would exceed the per-op cap): at most one op per `batchMs`. Typing slower than one key per `batchMs` is one op
 * per key either way; typing faster is merged as before, so this adds no op per keystroke. Remote updates are applied with the REMOTE origin so they are neither
 * sent back nor counted as local. Each change is also handed to `persist` (debounced) so a reload
 * while offline still shows the text.
 */
import * as Y from 'yjs'
import { MAX_DOC_UPDATE_BASE64 } from '@switchboard/protocol'
import { fromBase64, toBase64 } from 'lib0/buffer'

/** Origin of local edits (the notes field, wrap-up controls). */
export const LOCAL = Symbol('local-edit')
/** Origin of updates from the server or from local storage. */
export const REMOTE = Symbol('remote-update')

export const NOTES_TEXT = 'notes'
export const WRAPUP_MAP = 'wrapup'

export interface EngagementDocOptions {
  /** Send one `doc.update` op (the connection queues it in the outbox). */
  sendUpdate(engagementId: string, updateBase64: string): void
  /** Save the document locally; called debounced after changes. */
  persist?(engagementId: string, state: Uint8Array, lastSeq: number): void
  batchMs?: number
  persistMs?: number
  now?: () => number
}

export class EngagementDoc {
  readonly engagementId: string
  readonly doc = new Y.Doc()
  /** Highest server log seq applied to this document (0: none). */
  lastSeq = 0
  readonly #opts: EngagementDocOptions
  #persist: EngagementDocOptions['persist']
  #pending: Uint8Array[] = []
  #batchTimer: ReturnType<typeof setTimeout> | undefined
  #lastSentAt = Number.NEGATIVE_INFINITY
  readonly #now: () => number
  #persistTimer: ReturnType<typeof setTimeout> | undefined
  #destroyed = false

  constructor(engagementId: string, opts: EngagementDocOptions) {
    this.engagementId = engagementId
    this.#opts = opts
    this.#persist = opts.persist
    this.#now = opts.now ?? Date.now
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== REMOTE) this.#local(update)
      this.#schedulePersist()
    })
  }

  get notes(): Y.Text {
    return this.doc.getText(NOTES_TEXT)
  }

  get wrapup(): Y.Map<unknown> {
    return this.doc.getMap(WRAPUP_MAP)
  }

  /** Edits not yet handed to the connection (still inside the batch window). */
  get unflushed(): number {
    return this.#pending.length
  }

  /** Apply a server or stored update. `seq` advances `lastSeq` when given. */
  applyRemote(update: Uint8Array | string, seq?: number): void {
    const bytes = typeof update === 'string' ? fromBase64(update) : update
    if (bytes.length > 0) Y.applyUpdate(this.doc, bytes, REMOTE)
    if (seq != null && seq > this.lastSeq) {
      this.lastSeq = seq
      this.#schedulePersist()
    }
  }

  /**
   * Apply the server's snapshot, then send whatever this device holds that the server lacks
   * (edits restored from the local copy whose ops were lost). Yjs merges are idempotent, so an
   * edit that is also still in the outbox does no harm.
   */
  applySnapshot(docBase64: string, seq: number): boolean {
    const serverState = fromBase64(docBase64)
    this.applyRemote(serverState, seq)
    const serverSv = Y.decodeStateVector(Y.encodeStateVectorFromUpdate(serverState))
    const localSv = Y.decodeStateVector(Y.encodeStateVector(this.doc))
    let ahead = false
    for (const [client, clock] of localSv) if (clock > (serverSv.get(client) ?? 0)) ahead = true
    if (!ahead) return false
    this.#pending.push(Y.encodeStateAsUpdate(this.doc, Y.encodeStateVectorFromUpdate(serverState)))
    this.#batchTimer ??= setTimeout(() => this.flush(), this.#opts.batchMs ?? 150)
    return true
  }

  /** Hand batched local edits to the connection now. */
  flush(): void {
    clearTimeout(this.#batchTimer)
    this.#batchTimer = undefined
    const updates = this.#pending
    if (updates.length === 0) return
    this.#pending = []
    this.#lastSentAt = this.#now()
    const merged = toBase64(updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates))
    if (merged.length <= MAX_DOC_UPDATE_BASE64) {
      this.#opts.sendUpdate(this.engagementId, merged)
      return
    }
    for (const u of updates) this.#opts.sendUpdate(this.engagementId, toBase64(u))
  }

  /** Write the local copy now (used before unload and on destroy). */
  persistNow(): void {
    clearTimeout(this.#persistTimer)
    this.#persistTimer = undefined
    if (this.#destroyed) return
    this.#persist?.(this.engagementId, Y.encodeStateAsUpdate(this.doc), this.lastSeq)
  }

  /** Start keeping a local copy (storage becomes known once the user is). */
  persistTo(persist: NonNullable<EngagementDocOptions['persist']>): void {
    this.#persist = persist
    this.#schedulePersist()
  }

  destroy(): void {
    if (this.#destroyed) return
    this.flush()
    if (this.#persistTimer) this.persistNow()
    this.#destroyed = true
    this.doc.destroy()
  }

  /** Let the document go without sending or keeping anything more (the engagement was erased). */
  discard(): void {
    clearTimeout(this.#batchTimer)
    clearTimeout(this.#persistTimer)
    this.#batchTimer = this.#persistTimer = undefined
    this.#pending = []
    this.#destroyed = true
    this.doc.destroy()
  }

  /** Leading edge after a quiet spell, else merged into the open batch (or a new one). */
  #local(update: Uint8Array): void {
    this.#pending.push(update)
    if (this.#batchTimer !== undefined) return
    const batchMs = this.#opts.batchMs ?? 150
    const since = this.#now() - this.#lastSentAt
    if (since >= batchMs) this.flush()
    // The rest of the window since the last send, not a whole new one: a key that came a little
    // under batchMs after the previous one waited a full batchMs more (keystroke → supervisor p95
    // 167 ms at a human cadence on a quiet machine). Still at most one op per batchMs.
    else this.#batchTimer = setTimeout(() => this.flush(), batchMs - since)
  }

  #schedulePersist(): void {
    if (!this.#persist || this.#destroyed) return
    this.#persistTimer ??= setTimeout(() => this.persistNow(), this.#opts.persistMs ?? 400)
  }
}
