/** SQL for notes documents (`notes_docs`): compacted snapshot and plain-text projection per engagement. */
import type { Wrapup } from '@switchboard/protocol'
import type { EngagementRef } from './engagements.ts'
import type { Db } from './port.ts'

export interface StoredSnapshot extends EngagementRef {
  snapshot: Uint8Array | null
  snapshotSeq: number
}

export async function loadSnapshots(db: Db, refs: readonly EngagementRef[]): Promise<StoredSnapshot[]> {
  if (refs.length === 0) return []
  const res = await db.query<{ account_id: string; engagement_id: string; snapshot: Uint8Array; snapshot_seq: number }>(
    `select n.account_id, n.engagement_id, n.snapshot, n.snapshot_seq from notes_docs n
     join jsonb_to_recordset($1::jsonb) as k(a text, e text) on n.account_id = k.a and n.engagement_id = k.e`,
    [JSON.stringify(refs.map((r) => ({ a: r.accountId, e: r.engagementId })))])
  return res.rows.map((r) => ({
    accountId: r.account_id, engagementId: r.engagement_id,
    snapshot: r.snapshot && r.snapshot.length > 0 ? new Uint8Array(r.snapshot) : null,
    snapshotSeq: Number(r.snapshot_seq),
  }))
}

/** A compacted notes document at `seq`, with its plain text and wrap-up. */
export interface NotesSnapshot extends EngagementRef {
  snapshot: Uint8Array
  seq: number
  text: string
  wrapup: Wrapup
}

/**
 * Stores a compacted snapshot with its plain text and wrap-up, unless a newer one (from
 * another node) is already there.
 */
export async function saveSnapshot(db: Db, n: NotesSnapshot): Promise<void> {
  await db.query(
    `insert into notes_docs (account_id, engagement_id, snapshot, snapshot_seq, plain_text, wrapup, updated_at)
     values ($1, $2, $3, $4, $5, $6::jsonb, now())
     on conflict (account_id, engagement_id) do update
       set snapshot = excluded.snapshot, snapshot_seq = excluded.snapshot_seq, plain_text = excluded.plain_text,
           wrapup = excluded.wrapup, updated_at = now()
       where notes_docs.snapshot_seq < excluded.snapshot_seq`,
    [n.accountId, n.engagementId, n.snapshot, n.seq, n.text, JSON.stringify(n.wrapup)])
}
