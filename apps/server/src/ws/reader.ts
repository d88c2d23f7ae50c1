/** Reads for subscribers: a full engagement snapshot, or the log rows after a seq. */
import * as Y from 'yjs'
import type { Wrapup } from '@switchboard/protocol'
import { toView, type Engagement } from '../domain/engagement/model.ts'
import { mergeToState, plainText, scratchDoc, wrapupOf } from '../domain/notes/doc.ts'
import { readEventsAfter } from '../store/engagements.ts'
import { loadSnapshots, type StoredSnapshot } from '../store/notes.ts'
import type { Db } from '../store/port.ts'

/** Past this many missing rows a subscriber gets a fresh snapshot instead of the rows. */
export const MAX_CATCH_UP_ROWS = 1000

/** The notes document of `e` as of `e.lastSeq`: stored snapshot plus newer doc rows, as one update. */
async function mergeDoc(db: Db, e: Engagement, snap: StoredSnapshot | undefined): Promise<Uint8Array> {
  const after = snap?.snapshotSeq ?? 0
  const rows = after < e.lastSeq
    ? await readEventsAfter(db, [{ accountId: e.accountId, engagementId: e.id, afterSeq: after, upToSeq: e.lastSeq }], { kinds: ['doc'] })
    : []
  const parts: Uint8Array[] = []
  if (snap?.snapshot) parts.push(snap.snapshot)
  for (const r of rows) if (r.update) parts.push(Buffer.from(r.update, 'base64'))
  return mergeToState(parts)
}

/** The notes text and wrap-up of `e`, exact as of `e.lastSeq` (the stored projection may lag). */
export async function readNotes(db: Db, e: Engagement): Promise<{ text: string; wrapup: Wrapup }> {
  const [snap] = await loadSnapshots(db, [{ accountId: e.accountId, engagementId: e.id }])
  const doc = scratchDoc()
  Y.applyUpdate(doc, await mergeDoc(db, e, snap))
  const out = { text: plainText(doc), wrapup: wrapupOf(doc) }
  doc.destroy()
  return out
}

/** `engagement.snapshot` of `e` as of `e.lastSeq`. */
export async function buildSnapshot(db: Db, e: Engagement, reason: 'subscribe' | 'gap'): Promise<Record<string, unknown>> {
  const [snaps, whisperRows] = await Promise.all([
    loadSnapshots(db, [{ accountId: e.accountId, engagementId: e.id }]),
    readEventsAfter(db, [{ accountId: e.accountId, engagementId: e.id, afterSeq: 0, upToSeq: e.lastSeq }], { kinds: ['whisper', 'whisper.read'] }),
  ])
  const doc = Buffer.from(await mergeDoc(db, e, snaps[0])).toString('base64')

  const whispers: { seq: number; text: string; fromId: string; fromName: string | null; at: number; readAt: number | null }[] = []
  const bySeq = new Map<number, (typeof whispers)[number]>()
  for (const w of whisperRows) {
    if (w.kind === 'whisper') {
      const item = {
        seq: Number(w.seq), text: String(w.data['text'] ?? ''), fromId: String(w.data['fromId'] ?? ''),
        fromName: (w.data['fromName'] as string | null | undefined) ?? null, at: Number(w.at), readAt: null,
      }
      whispers.push(item)
      bySeq.set(item.seq, item)
    } else {
      const target = bySeq.get(Number(w.data['whisperSeq']))
      if (target && target.readAt === null) target.readAt = Number(w.at)
    }
  }
  return { type: 'engagement.snapshot', engagementId: e.id, seq: e.lastSeq, engagement: toView(e), doc, whispers, reason }
}
