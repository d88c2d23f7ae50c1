/**
 * One engagement as this agent page holds it: the notes document (kept in memory and locally),
 * whispers, help flag and the server's projection. Lives from the first sight of the engagement
 * until it ended and everything was saved, so edits to an engagement the agent switched away from
 * keep flowing.
 */
import * as Y from 'yjs'
import type { EngagementView, LogEvent, ServerMessageOf } from '@switchboard/protocol'
import type { OpInput } from '../lib/connection.svelte.ts'
import { EngagementDoc, LOCAL } from './notes/engagement-doc.ts'
import {
  applyEvent, applySnapshot, applyView, createSessionData, unreadWhispers, type SessionData, type WhisperItem,
} from './engagement-log.ts'
import type { DocStorage } from './doc-storage.ts'

export interface WrapupState {
  disposition: string
  tags: string[]
  summary: string
}

function readWrapup(map: Y.Map<unknown>): WrapupState {
  const d = map.get('disposition')
  const s = map.get('summary')
  const t = map.get('tags')
  const tags = t instanceof Y.Array ? t.toArray() : Array.isArray(t) ? t : []
  return {
    disposition: typeof d === 'string' ? d : '',
    summary: typeof s === 'string' ? s : '',
    tags: tags.filter((x): x is string => typeof x === 'string'),
  }
}

export class EngagementSession {
  readonly id: string
  readonly doc: EngagementDoc
  readonly data: SessionData = $state(createSessionData())
  wrapup: WrapupState = $state({ disposition: '', tags: [], summary: '' })
  /** Local copy restored from this device (shown before the server answers). */
  restored = $state(false)
  /** Whisper seqs we sent a read receipt for (the server's `readAt` follows). */
  readSent: Set<number> = $state(new Set())
  /** The help state the agent asked for, until the server confirms it. */
  helpRequested: boolean | null = $state(null)

  readonly unread: WhisperItem[] = $derived(unreadWhispers(this.data, this.readSent))
  readonly helpRaised: boolean = $derived(this.helpRequested ?? this.data.help != null)

  readonly #send: (op: OpInput) => void

  constructor(id: string, deps: { send: (op: OpInput) => void; storage: DocStorage | null; batchMs?: number }) {
    this.id = id
    this.#send = deps.send
    this.doc = new EngagementDoc(id, {
      sendUpdate: (engagementId, update) => this.#send({ type: 'doc.update', engagementId, update }),
      batchMs: deps.batchMs,
    })
    const map = this.doc.wrapup
    map.observeDeep(() => { this.wrapup = readWrapup(map) })
    if (deps.storage) this.useStorage(deps.storage)
  }

  /** Restore the local copy (if any) and keep it up to date from now on. */
  useStorage(storage: DocStorage): void {
    this.doc.persistTo((engagementId, state, seq) => storage.save(engagementId, state, seq))
    void storage.load(this.id).then((row) => {
      if (!row) return
      this.doc.applyRemote(row.state)
      this.restored = true
    })
  }

  onSnapshot(msg: ServerMessageOf<'engagement.snapshot'>): void {
    this.doc.applySnapshot(msg.doc, msg.seq)
    applySnapshot(this.data, msg)
    this.#settleHelp()
  }

  onEvents(events: LogEvent[]): void {
    for (const e of events) {
      if (e.kind === 'doc' && e.update) this.doc.applyRemote(e.update, e.seq)
      else {
        applyEvent(this.data, e)
        if (e.seq > this.doc.lastSeq) this.doc.lastSeq = e.seq
      }
    }
    this.#settleHelp()
  }

  onView(view: EngagementView): void {
    applyView(this.data, view)
    this.#settleHelp()
  }

  setHelp(raised: boolean): void {
    this.helpRequested = raised
    this.#send({ type: 'help.set', engagementId: this.id, raised })
  }

  markRead(seqs: number[]): void {
    const fresh = seqs.filter((s) => !this.readSent.has(s))
    if (fresh.length === 0) return
    const next = new Set(this.readSent)
    for (const whisperSeq of fresh) {
      next.add(whisperSeq)
      this.#send({ type: 'whisper.read', engagementId: this.id, whisperSeq })
    }
    this.readSent = next
  }

  // Wrap-up fields change in discrete steps (a choice, a committed summary): hand each to the
  // connection at once instead of the keystroke batch, so "all changes saved" is never shown
  // while one is still waiting for the batch timer.
  setDisposition(value: string): void {
    this.doc.doc.transact(() => {
      if (value) this.doc.wrapup.set('disposition', value)
      else this.doc.wrapup.delete('disposition')
    }, LOCAL)
    this.doc.flush()
  }

  setSummary(value: string): void {
    if (readWrapup(this.doc.wrapup).summary === value) return
    this.doc.doc.transact(() => this.doc.wrapup.set('summary', value), LOCAL)
    this.doc.flush()
  }

  addTag(tag: string): boolean {
    const t = tag.trim().slice(0, 64)
    if (!t) return false
    const arr = this.#tagsArray()
    if (arr.toArray().includes(t) || arr.length >= 50) return false
    this.doc.doc.transact(() => arr.push([t]), LOCAL)
    return true
  }

  removeTag(tag: string): void {
    const arr = this.#tagsArray()
    this.doc.doc.transact(() => {
      // Remove every copy (two sessions may have added the same tag concurrently).
      for (let i = arr.length - 1; i >= 0; i--) if (arr.get(i) === tag) arr.delete(i, 1)
    }, LOCAL)
  }

  destroy(): void {
    this.doc.destroy()
  }

  /** The engagement was erased: drop it without sending or storing anything more. */
  discard(): void {
    this.doc.discard()
  }

  #tagsArray(): Y.Array<string> {
    const map = this.doc.wrapup
    const existing = map.get('tags')
    if (existing instanceof Y.Array) return existing as Y.Array<string>
    const arr = new Y.Array<string>()
    this.doc.doc.transact(() => {
      if (Array.isArray(existing)) arr.push(existing.filter((x): x is string => typeof x === 'string'))
      map.set('tags', arr)
    }, LOCAL)
    return arr
  }

  #settleHelp(): void {
    if (this.helpRequested != null && this.helpRequested === (this.data.help != null)) this.helpRequested = null
  }
}
