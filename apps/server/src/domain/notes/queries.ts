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

/** Keeps `plain_text` and `wrapup` current (the snapshot column is written by compaction). */
export async function upsertNotes(tx: Db, list: readonly NotesProjection[]): Promise<void> {
  if (list.length === 0) return
  await tx.query(
    `insert into notes_docs (account_id, engagement_id, snapshot, snapshot_seq, plain_text, wrapup, updated_at)
     select k.a, k.e, '\\x'::bytea, 0, k.text, coalesce(k.wrapup, '{}'::jsonb), now()
     from jsonb_to_recordset($1::jsonb) as k(a text, e text, text text, wrapup jsonb)
     on conflict (account_id, engagement_id) do update
       set plain_text = excluded.plain_text, wrapup = excluded.wrapup, updated_at = now()`,
    [JSON.stringify(list)])
}

/** Stores a compacted snapshot unless a newer one is already there. */
export async function saveSnapshot(db: Db, accountId: string, engagementId: string, snapshot: Uint8Array, seq: number): Promise<void> {
  await db.query(
    `update notes_docs set snapshot = $3, snapshot_seq = $4
     where account_id = $1 and engagement_id = $2 and snapshot_seq < $4`,
    [accountId, engagementId, snapshot, seq])
}

export async function getNotes(db: Db, accountId: string, engagementId: string): Promise<{ text: string; wrapup: Wrapup }> {
  const res = await db.query<{ plain_text: string; wrapup: Wrapup }>(
    'select plain_text, wrapup from notes_docs where account_id = $1 and engagement_id = $2', [accountId, engagementId])
  const r = res.rows[0]
  return r ? { text: r.plain_text, wrapup: r.wrapup ?? {} } : { text: '', wrapup: {} }
}
