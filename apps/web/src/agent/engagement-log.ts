/**
 * Pure rules for what an agent session keeps from an engagement's log (whispers with read state,
 * the help flag, the server's projection), on plain objects so they are tested without Svelte.
 * The reactive session passes its `$state` object, so every write is reactive.
 */
import type { EngagementView, HelpFlag, LogEvent, ServerMessageOf } from '@switchboard/protocol'

export interface WhisperItem {
  seq: number
  text: string
  fromId: string
  fromName: string | null
  at: number
  readAt: number | null
}

export interface SessionData {
  whispers: WhisperItem[]
  help: HelpFlag | null
  view: EngagementView | null
  /** A snapshot has arrived from the server (the view reflects the server, not only the local cache). */
  synced: boolean
}

export function createSessionData(): SessionData {
  return { whispers: [], help: null, view: null, synced: false }
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null
}

function addWhisper(data: SessionData, w: WhisperItem): void {
  const existing = data.whispers.find((x) => x.seq === w.seq)
  if (existing) {
    if (w.readAt != null && existing.readAt == null) existing.readAt = w.readAt
    return
  }
  const i = data.whispers.findIndex((x) => x.seq > w.seq)
  if (i === -1) data.whispers.push(w)
  else data.whispers.splice(i, 0, w)
}

export function applySnapshot(data: SessionData, msg: ServerMessageOf<'engagement.snapshot'>): void {
  data.view = msg.engagement
  data.help = msg.engagement.help
  for (const w of msg.whispers) {
    addWhisper(data, { seq: w.seq, text: w.text, fromId: w.fromId, fromName: w.fromName, at: w.at, readAt: w.readAt })
  }
  data.synced = true
}

/** Applies non-document log rows (documents are applied by the engagement's Y.Doc). */
export function applyEvent(data: SessionData, e: LogEvent): void {
  switch (e.kind) {
    case 'whisper': {
      const text = str(e.data.text)
      if (text == null) return
      addWhisper(data, {
        seq: e.seq, text, fromId: str(e.data.fromId) ?? e.actorId, fromName: str(e.data.fromName), at: e.at, readAt: null,
      })
      return
    }
    case 'whisper.read': {
      const seq = Number(e.data.whisperSeq)
      const w = data.whispers.find((x) => x.seq === seq)
      if (w && w.readAt == null) w.readAt = e.at
      return
    }
    case 'help': {
      if (e.data.raised === true) {
        data.help = {
          raisedBy: e.actorId,
          at: e.at,
          ...(typeof e.data.note === 'string' ? { note: e.data.note } : {}),
        }
      } else if (e.data.raised === false) {
        data.help = null
      }
      return
    }
  }
}

/** The projection changed on the server; never go back to an older one. */
export function applyView(data: SessionData, view: EngagementView): void {
  if (data.view && data.view.lastSeq > view.lastSeq) return
  data.view = view
  data.help = view.help
}

export function unreadWhispers(data: SessionData, readSent: ReadonlySet<number>): WhisperItem[] {
  return data.whispers.filter((w) => w.readAt == null && !readSent.has(w.seq))
}
