/**
 * Pure helpers for the drill-in: the timeline built from an engagement's log rows, the whispers'
 * delivered/read state, and reading the wrap-up fields out of the notes document's map.
 */
import type { LogEvent, Wrapup } from '@switchboard/protocol'

/** Merges log rows by seq (a REST page and live frames may overlap), in seq order. */
export function mergeEvents(held: readonly LogEvent[], incoming: readonly LogEvent[]): LogEvent[] {
  if (incoming.length === 0) return held as LogEvent[]
  const bySeq = new Map<number, LogEvent>()
  for (const e of held) bySeq.set(e.seq, e)
  for (const e of incoming) bySeq.set(e.seq, e)
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq)
}

export interface TimelineEntry {
  /** Stable key: the first seq of the entry. */
  key: number
  at: number
  /** Last time covered (a run of note edits spans several rows). */
  until: number
  kind: LogEvent['kind']
  text: string
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : ''
}

const STATE_WORDS: Record<string, string> = {
  active: 'Active', inactive: 'Inactive (on hold)', 'wrap-up': 'Wrap-up', end: 'Ended',
}

export function describeEvent(e: LogEvent): string {
  const d = e.data
  switch (e.kind) {
    case 'context': {
      const ctx = (d['context'] ?? {}) as Record<string, unknown>
      const queue = str(ctx['queueName']) || str(ctx['queueId'])
      const from = str(ctx['transferFromAgentName']) || str(ctx['transferFromAgentId'])
      let text = queue ? `Engagement opened from queue ${queue}` : 'Engagement opened'
      if (ctx['isTransfer'] === true) text += from ? `, transferred from ${from}` : ', transferred'
      return text
    }
    case 'status': {
      const ch = (d['changes'] ?? {}) as Record<string, unknown>
      const parts: string[] = []
      const state = str(ch['state'])
      if (state) parts.push(`State: ${STATE_WORDS[state] ?? state}`)
      const agent = str(ch['assignedAgentName']) || str(ch['assignedAgentId'])
      if (agent) parts.push(`Assigned to ${agent}`)
      if (typeof ch['channel'] === 'string') parts.push(`Channel: ${ch['channel']}`)
      if (Array.isArray(ch['consumers'])) parts.push('Consumer details updated')
      if (typeof ch['isConference'] === 'boolean') parts.push(ch['isConference'] ? 'Conference started' : 'Conference ended')
      return parts.length > 0 ? parts.join(' · ') : 'Status updated'
    }
    case 'focus': return 'Agent switched to this engagement'
    case 'variables': return 'Engagement variables updated'
    case 'doc': return 'Notes edited'
    case 'whisper': {
      const who = str(d['fromName']) || str(d['fromId']) || 'A supervisor'
      return `${who} whispered: “${str(d['text'])}”`
    }
    case 'whisper.read': return 'Agent read a whisper'
    case 'help': {
      const note = str(d['note'])
      return d['raised'] === true ? `Agent asked for help${note ? `: “${note}”` : ''}` : 'Help request cleared'
    }
    default: return `Event: ${String(e.kind)}`
  }
}

/** Rows that say "the agent was working here": frequent, and only their count matters. */
const ACTIVITY = new Set<LogEvent['kind']>(['doc', 'focus', 'variables'])

function activityText(counts: ReadonlyMap<LogEvent['kind'], number>): string {
  const parts: string[] = []
  for (const [kind, n] of counts) {
    if (kind === 'focus') parts.push(n === 1 ? 'Agent switched to this engagement' : `Agent switched to this engagement ${n} times`)
    else if (kind === 'doc') parts.push(n === 1 ? 'Notes edited' : `Notes edited (${n} changes)`)
    else parts.push(n === 1 ? 'Engagement variables updated' : `Engagement variables updated ${n} times`)
  }
  return parts.join(' · ')
}

/**
 * Timeline entries, oldest first, readable at a glance: a run of activity rows (note edits, focus
 * switches, variable updates; an agent's typing and switching make many) becomes one entry with
 * counts, and a line that repeats the one before it is counted instead of repeated.
 */
export function buildTimeline(events: readonly LogEvent[]): TimelineEntry[] {
  const out: TimelineEntry[] = []
  let run: { entry: TimelineEntry; counts: Map<LogEvent['kind'], number> } | null = null
  let repeat: { entry: TimelineEntry; base: string; count: number } | null = null
  for (const e of events) {
    if (ACTIVITY.has(e.kind)) {
      repeat = null
      if (!run) {
        run = { entry: { key: e.seq, at: e.at, until: e.at, kind: e.kind, text: '' }, counts: new Map() }
        out.push(run.entry)
      }
      run.counts.set(e.kind, (run.counts.get(e.kind) ?? 0) + 1)
      run.entry.until = e.at
      run.entry.text = activityText(run.counts)
      continue
    }
    run = null
    const text = describeEvent(e)
    if (repeat && repeat.base === text) {
      repeat.count++
      repeat.entry.until = e.at
      repeat.entry.text = `${text} (×${repeat.count})`
      continue
    }
    const entry: TimelineEntry = { key: e.seq, at: e.at, until: e.at, kind: e.kind, text }
    out.push(entry)
    repeat = { entry, base: text, count: 1 }
  }
  return out
}

// ---- whispers -----------------------------------------------------------------------------------

export type WhisperStatus = 'sending' | 'delivered' | 'read' | 'failed'

export interface WhisperItem {
  /** opId while sending (or when known), else `seq:<n>`. */
  key: string
  opId: string | null
  seq: number | null
  text: string
  fromName: string | null
  at: number
  readAt: number | null
  status: WhisperStatus
  error?: string
}

export interface SnapshotWhisper {
  seq: number; text: string; fromId: string; fromName: string | null; at: number; readAt: number | null
}

function statusOf(w: { seq: number | null; readAt: number | null }): WhisperStatus {
  return w.readAt !== null ? 'read' : w.seq !== null ? 'delivered' : 'sending'
}

/** Replaces the stored whispers with a snapshot's, keeping local ones not yet in it. */
export function whispersFromSnapshot(held: readonly WhisperItem[], snap: readonly SnapshotWhisper[]): WhisperItem[] {
  const out: WhisperItem[] = snap.map((w) => ({
    key: `seq:${w.seq}`, opId: null, seq: w.seq, text: w.text, fromName: w.fromName,
    at: w.at, readAt: w.readAt, status: statusOf(w),
  }))
  const seqs = new Set(snap.map((w) => w.seq))
  for (const h of held) {
    if (h.seq !== null && seqs.has(h.seq)) {
      // Keep the local key so the row is not re-created in the list.
      const i = out.findIndex((w) => w.seq === h.seq)
      const w = out[i]
      if (w) out[i] = { ...w, key: h.key, opId: h.opId }
    } else if (h.seq === null) {
      out.push(h)
    }
  }
  return out.sort((a, b) => (a.seq ?? Infinity) - (b.seq ?? Infinity) || a.at - b.at)
}

/** A whisper this page sent, before the server has acked it. */
export function addLocalWhisper(held: readonly WhisperItem[], opId: string, text: string, fromName: string | null, at: number): WhisperItem[] {
  return [...held, { key: opId, opId, seq: null, text, fromName, at, readAt: null, status: 'sending' }]
}

/** Ack of our `whisper.send`: committed as log row `seq`, so it is stored and delivered. */
export function ackWhisper(held: readonly WhisperItem[], opId: string, seq: number): WhisperItem[] {
  return held.map((w) => (w.opId === opId && w.seq === null ? { ...w, seq, status: statusOf({ seq, readAt: w.readAt }) } : w))
}

export function failWhisper(held: readonly WhisperItem[], opId: string, message: string): WhisperItem[] {
  return held.map((w) => (w.opId === opId && w.seq === null ? { ...w, status: 'failed', error: message } : w))
}

/** Applies live `whisper` and `whisper.read` log rows. */
export function applyWhisperEvents(held: readonly WhisperItem[], events: readonly LogEvent[]): WhisperItem[] {
  let out = held as WhisperItem[]
  for (const e of events) {
    if (e.kind === 'whisper') {
      const mine = out.findIndex((w) => w.seq === e.seq || (w.opId !== null && w.opId === e.opId))
      if (mine >= 0) {
        const w = out[mine]
        if (w && w.seq === null) out = out.map((x, i) => (i === mine ? { ...x, seq: e.seq, status: statusOf({ seq: e.seq, readAt: x.readAt }) } : x))
        continue
      }
      out = [...out, {
        key: `seq:${e.seq}`, opId: e.opId, seq: e.seq, text: str(e.data['text']),
        fromName: str(e.data['fromName']) || null, at: e.at, readAt: null, status: 'delivered',
      }]
    } else if (e.kind === 'whisper.read') {
      const target = e.data['whisperSeq']
      out = out.map((w) => (w.seq !== null && w.seq === target && w.readAt === null ? { ...w, readAt: e.at, status: 'read' } : w))
    }
  }
  return out
}

// ---- wrap-up ------------------------------------------------------------------------------------

/** Reads the wrap-up map's JSON tolerantly: tags may be an array or a comma list. */
export function readWrapup(json: Record<string, unknown>): Wrapup {
  const w: Wrapup = {}
  const disposition = json['disposition']
  if (typeof disposition === 'string' && disposition) w.disposition = disposition
  const tags = json['tags']
  if (Array.isArray(tags)) w.tags = tags.filter((t): t is string => typeof t === 'string' && t !== '')
  else if (typeof tags === 'string' && tags) w.tags = tags.split(',').map((t) => t.trim()).filter(Boolean)
  const summary = json['summary']
  if (typeof summary === 'string' && summary) w.summary = summary
  return w
}
