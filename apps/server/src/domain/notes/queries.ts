/** SQL for notes documents: compacted snapshot + plain-text projection per engagement. */
import type { Wrapup } from '@switchboard/protocol'
import type { Db } from '../../store/port.ts'

export interface StoredSnapshot {
  accountId: string
  engagementId: string
  snapshot: Uint8Array | null
  snapshotSeq: number
}

export async function loadSnapshots(db: Db, list: readonly { a: string; e: string }[]): Promise<StoredSnapshot[]> {
  if (list.length === 0) return []
  const res = await db.query<{ account_id: string; engagement_id: string; snapshot: Uint8Array; snapshot_seq: number }>(
    `select n.account_id, n.engagement_id, n.snapshot, n.snapshot_seq from notes_docs n
     join jsonb_to_recordset($1::jsonb) as k(a text, e text) on n.account_id = k.a and n.engagement_id = k.e`,
    [JSON.stringify(list)])
  return res.rows.map((r) => ({
    accountId: r.account_id, engagementId: r.engagement_id,
    snapshot: r.snapshot && r.snapshot.length > 0 ? new Uint8Array(r.snapshot) : null,
    snapshotSeq: Number(r.snapshot_seq),
  }))
}

export interface NotesProjection { a: string; e: string; text: string; wrapup: Wrapup }

/**
 * Stores a compacted snapshot with its plain text and wrap-up, unless a newer one (from
 * another node) is already there.
 */
export async function saveSnapshot(db: Db, n: NotesProjection & { snapshot: Uint8Array; seq: number }): Promise<void> {
  await db.query(
    `insert into notes_docs (account_id, engagement_id, snapshot, snapshot_seq, plain_text, wrapup, updated_at)
     values ($1, $2, $3, $4, $5, $6::jsonb, now())
     on conflict (account_id, engagement_id) do update
       set snapshot = excluded.snapshot, snapshot_seq = excluded.snapshot_seq, plain_text = excluded.plain_text,
           wrapup = excluded.wrapup, updated_at = now()
       where notes_docs.snapshot_seq < excluded.snapshot_seq`,
    [n.a, n.e, n.snapshot, n.seq, n.text, JSON.stringify(n.wrapup)])
}

export async function getNotes(db: Db, accountId: string, engagementId: string): Promise<{ text: string; wrapup: Wrapup }> {
  const res = await db.query<{ plain_text: string; wrapup: Wrapup }>(
    'select plain_text, wrapup from notes_docs where account_id = $1 and engagement_id = $2', [accountId, engagementId])
  const r = res.rows[0]
  return r ? { text: r.plain_text, wrapup: r.wrapup ?? {} } : { text: '', wrapup: {} }
}
