/** Per-account settings (`accounts.settings`, jsonb) and the dispositions Zoom's REST backfill found (`zoom_sync`). */
import type { AlertThresholds } from '@switchboard/protocol'
import { dispositionsOf, thresholdsOf } from '../domain/account-settings.ts'
import type { Db } from './port.ts'

/** What `accounts.settings` may hold (unchecked: the domain reads it defensively). */
interface StoredSettings { thresholds?: unknown; dispositions?: unknown }

async function readSettings(db: Db, accountId: string): Promise<StoredSettings> {
  const res = await db.query<{ settings: StoredSettings | null }>('select settings from accounts where id = $1', [accountId])
  return res.rows[0]?.settings ?? {}
}

/** Sets one top-level key of the account's settings. */
async function writeSetting(db: Db, accountId: string, name: keyof StoredSettings, value: unknown): Promise<void> {
  await db.query(
    `update accounts set settings = jsonb_set(settings, array[$2::text], $3::jsonb, true) where id = $1`,
    [accountId, name, JSON.stringify(value)])
}

export async function getThresholds(db: Db, accountId: string): Promise<AlertThresholds> {
  return thresholdsOf((await readSettings(db, accountId)).thresholds)
}

export async function setThresholds(db: Db, accountId: string, t: AlertThresholds): Promise<AlertThresholds> {
  await writeSetting(db, accountId, 'thresholds', t)
  return t
}

/** The wrap-up choices (`dispositionsOf`: Zoom's, else the account's own, else the defaults). */
export async function getDispositions(db: Db, accountId: string): Promise<string[]> {
  const res = await db.query<{ settings: StoredSettings | null; zoom: unknown }>(
    `select a.settings, z.dispositions as zoom from accounts a left join zoom_sync z on z.account_id = a.id where a.id = $1`, [accountId])
  return dispositionsOf(res.rows[0]?.settings?.dispositions, res.rows[0]?.zoom ?? null)
}

export async function setDispositions(db: Db, accountId: string, list: string[]): Promise<string[]> {
  await writeSetting(db, accountId, 'dispositions', list)
  return list
}
