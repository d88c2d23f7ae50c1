/**
 * One engagement opened in the drill-in: subscribes to its log over the page's connection, keeps
 * a local read-only Y.Doc (snapshot, then `doc` rows), the timeline (REST history merged with live
 * rows by seq) and the whispers with delivered/read state.
 */
import * as Y from 'yjs'
import type {
  EngagementDetail, EngagementView, LogEvent, ServerMessageOf, ServerMessageType, Wrapup,
} from '@switchboard/protocol'
import { RETRYABLE_CODES } from '@switchboard/protocol/sync-client'
import { ApiError, getJson } from '../lib/api.ts'
import {
  ackWhisper, addLocalWhisper, applyWhisperEvents, buildTimeline, failWhisper, mergeEvents,
  readWrapup, whispersFromSnapshot, type TimelineEntry, type WhisperItem,
} from './engagement-log.ts'

/** What the drill-in needs from the page's connection (the lib `Connection` satisfies it). */
export interface WatchSource {
  on<T extends ServerMessageType>(type: T, fn: (msg: ServerMessageOf<T>) => void): () => void
  subscribe(engagementId: string, afterSeq?: number): void
  unsubscribe(engagementId: string): void
  send(op: { type: 'whisper.send'; engagementId: string; text: string }): string
}

export const NOTES_TEXT = 'notes'
export const WRAPUP_MAP = 'wrapup'

function fromBase64(b64: string): Uint8Array {
  const bin = atob(b64)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

/** The timeline does not need Yjs payloads; dropping them keeps memory flat. */
function stripUpdate(e: LogEvent): LogEvent {
  if (e.update === undefined) return e
  const { update: _update, ...rest } = e
  return rest
}

/** `GET /api/engagements/:id`: projection, full log timeline, notes projection. */
export function fetchDetail(id: string): Promise<EngagementDetail> {
  return getJson<EngagementDetail>(`/api/engagements/${encodeURIComponent(id)}`)
}

/** `erased`: the server erased it while open (retention period, an administrator); nothing of it is kept. */
export type WatchStatus = 'loading' | 'ready' | 'not-found' | 'forbidden' | 'error' | 'erased'

export class EngagementWatch {
  readonly engagementId: string
  status = $state<WatchStatus>('loading')
  error = $state<string | null>(null)
  /** Projection from the snapshot or REST (the live board row is fresher while it is live). */
  engagement = $state.raw<EngagementView | null>(null)
  notes = $state('')
  wrapup = $state.raw<Wrapup>({})
  events = $state.raw<readonly LogEvent[]>([])
  whispers = $state.raw<readonly WhisperItem[]>([])
  readonly timeline: TimelineEntry[] = $derived(buildTimeline(this.events))

  readonly #source: WatchSource
  #doc = new Y.Doc()
  #lastSeq = 0
  #offs: (() => void)[] = []
  #closed = false

  readonly #loadDetail: (id: string) => Promise<EngagementDetail>

  constructor(source: WatchSource, engagementId: string, loadDetail = fetchDetail) {
    this.#source = source
    this.engagementId = engagementId
    this.#loadDetail = loadDetail
  }

  open(): void {
    const id = this.engagementId
    const s = this.#source
    this.#offs.push(
      s.on('engagement.snapshot', (m) => { if (m.engagementId === id) this.#onSnapshot(m) }),
      s.on('engagement.events', (m) => { if (m.engagementId === id) this.#onEvents(m.events) }),
      s.on('engagement.erased', (m) => { if (m.engagementId === id) this.#onErased() }),
      s.on('ack', (m) => {
        if (m.engagementId === id) this.whispers = ackWhisper(this.whispers, m.opId, m.seq)
      }),
      s.on('error', (m) => {
        // Retryable errors (rate limit, database briefly away) are resent by the sync client.
        if (m.opId) {
          if (!RETRYABLE_CODES.includes(m.code)) this.whispers = failWhisper(this.whispers, m.opId, m.message)
        }
        else if (m.engagementId === id && this.status === 'loading') this.#fail(m.code, m.message)
      }),
    )
    s.subscribe(id)
    void this.#loadHistory()
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const off of this.#offs) off()
    this.#offs = []
    this.#source.unsubscribe(this.engagementId)
    this.#doc.destroy()
  }

  /** Sends a whisper; it shows at once as "sending" and turns "delivered" on ack. */
  sendWhisper(text: string, fromName: string | null): void {
    const body = text.trim()
    if (!body) return
    const opId = this.#source.send({ type: 'whisper.send', engagementId: this.engagementId, text: body })
    // The ack or the log row may already have arrived synchronously in tests; add only if absent.
    if (!this.whispers.some((w) => w.opId === opId)) {
      this.whispers = addLocalWhisper(this.whispers, opId, body, fromName, Date.now())
    }
  }

  async #loadHistory(): Promise<void> {
    try {
      const detail = await this.#loadDetail(this.engagementId)
      if (this.#closed || this.status === 'erased') return
      this.events = mergeEvents(detail.events.map(stripUpdate), this.events)
      this.engagement ??= detail.engagement
      if (this.status === 'loading' && this.#lastSeq === 0) {
        // No live snapshot yet (e.g. a closed engagement): show the stored projection.
        this.notes = detail.notes.text
        this.wrapup = detail.notes.wrapup
      }
      this.whispers = applyWhisperEvents(this.whispers, detail.events)
      if (this.status === 'loading') this.status = 'ready'
    } catch (err) {
      if (this.#closed || this.status === 'erased') return
      if (err instanceof ApiError) this.#fail(err.code, err.message)
      else this.#fail('INTERNAL', 'The engagement could not be loaded.')
    }
  }

  #fail(code: string, message: string): void {
    // A live snapshot already showed the engagement: the timeline failing alone is not fatal.
    if (this.status === 'ready' && this.engagement) {
      this.error = `The timeline could not be loaded: ${message}`
      return
    }
    this.status = code === 'NOT_FOUND' ? 'not-found' : code === 'FORBIDDEN' ? 'forbidden' : 'error'
    this.error = message
  }

  /** Erased on the server: drop every copy held here (notes, wrap-up, timeline, whispers). */
  #onErased(): void {
    this.status = 'erased'
    this.error = null
    this.engagement = null
    this.notes = ''
    this.wrapup = {}
    this.events = []
    this.whispers = []
    this.#doc.destroy()
    this.#doc = new Y.Doc()
    this.#lastSeq = 0
  }

  #onSnapshot(m: ServerMessageOf<'engagement.snapshot'>): void {
    if (this.status === 'erased') return
    // A snapshot is the whole document at `seq`: start from a fresh doc so nothing stale survives.
    const doc = new Y.Doc()
    if (m.doc) Y.applyUpdate(doc, fromBase64(m.doc))
    this.#doc.destroy()
    this.#doc = doc
    this.#lastSeq = m.seq
    this.engagement = m.engagement
    this.whispers = whispersFromSnapshot(this.whispers, m.whispers)
    this.#readDoc()
    this.status = 'ready'
    this.error = null
  }

  #onEvents(events: readonly LogEvent[]): void {
    if (this.status === 'erased') return
    let docChanged = false
    for (const e of events) {
      if (e.kind === 'doc' && e.update && e.seq > this.#lastSeq) {
        Y.applyUpdate(this.#doc, fromBase64(e.update))
        docChanged = true
      }
      if (e.seq > this.#lastSeq) this.#lastSeq = e.seq
    }
    this.events = mergeEvents(this.events, events.map(stripUpdate))
    this.whispers = applyWhisperEvents(this.whispers, events)
    if (docChanged) this.#readDoc()
    if (this.status === 'loading') this.status = 'ready'
  }

  #readDoc(): void {
    this.notes = this.#doc.getText(NOTES_TEXT).toString()
    this.wrapup = readWrapup(this.#doc.getMap(WRAPUP_MAP).toJSON() as Record<string, unknown>)
  }
}
