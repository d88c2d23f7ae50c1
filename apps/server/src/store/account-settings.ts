/** SQL for per-account settings (`accounts.settings`, jsonb) and the dispositions Zoom's REST backfill found. */
import type { Db } from './port.ts'

/** What `accounts.settings` may hold (unchecked: the domain reads it defensively). */
export interface StoredSettings { thresholds?: unknown; dispositions?: unknown }

export async function readSettings(db: Db, accountId: string): Promise<StoredSettings> {
  const res = await db.query<{ settings: StoredSettings | null }>('select settings from accounts where id = $1', [accountId])
  return res.rows[0]?.settings ?? {}
}

/** The account's settings and the dispositions Zoom listed for it (`zoom_sync.dispositions`, null when never synced). */
export async function readSettingsAndZoomDispositions(db: Db, accountId: string): Promise<{ settings: StoredSettings; zoomDispositions: unknown }> {
  const res = await db.query<{ settings: StoredSettings | null; zoom: unknown }>(
    `select a.settings, z.dispositions as zoom from accounts a left join zoom_sync z on z.account_id = a.id where a.id = $1`, [accountId])
  return { settings: res.rows[0]?.settings ?? {}, zoomDispositions: res.rows[0]?.zoom ?? null }
}

/** Sets one top-level key of the account's settings. */
export async function writeSetting(db: Db, accountId: string, name: keyof StoredSettings, value: unknown): Promise<void> {
  await db.query(
    `update accounts set settings = jsonb_set(settings, array[$2::text], $3::jsonb, true) where id = $1`,
    [accountId, name, JSON.stringify(value)])
}
