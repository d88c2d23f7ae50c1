/** Per-account settings kept in `accounts.settings` (jsonb): alert thresholds and dispositions. */
import type { AlertThresholds } from '@switchboard/protocol'
import type { Db } from '../store/port.ts'

export const DEFAULT_THRESHOLDS: AlertThresholds = { handleMs: 10 * 60_000, wrapupMs: 2 * 60_000, inactiveMs: 60_000 }
export const DEFAULT_DISPOSITIONS = ['Resolved', 'Follow-up needed', 'Escalated', 'No answer', 'Wrong number']

interface Settings { thresholds?: Partial<AlertThresholds>; dispositions?: string[] }

async function read(db: Db, accountId: string): Promise<Settings> {
  const res = await db.query<{ settings: Settings }>('select settings from accounts where id = $1', [accountId])
  return res.rows[0]?.settings ?? {}
}

export async function getThresholds(db: Db, accountId: string): Promise<AlertThresholds> {
  const s = await read(db, accountId)
  return { ...DEFAULT_THRESHOLDS, ...pickNumbers(s.thresholds) }
}

function pickNumbers(t: Partial<AlertThresholds> | undefined): Partial<AlertThresholds> {
  const out: Partial<AlertThresholds> = {}
  for (const k of ['handleMs', 'wrapupMs', 'inactiveMs'] as const) if (typeof t?.[k] === 'number') out[k] = t[k]
  return out
}

export async function setThresholds(db: Db, accountId: string, t: AlertThresholds): Promise<AlertThresholds> {
  await db.query(
    `update accounts set settings = jsonb_set(settings, '{thresholds}', $2::jsonb, true) where id = $1`,
    [accountId, JSON.stringify(t)])
  return t
}

/**
 * The wrap-up choices: Zoom's active dispositions when the REST backfill found any for the
 * account (`zoom_sync.dispositions`), else the account's own list, else the defaults.
 */
export async function getDispositions(db: Db, accountId: string): Promise<string[]> {
  const res = await db.query<{ settings: Settings; zoom: unknown }>(
    `select a.settings, z.dispositions as zoom from accounts a left join zoom_sync z on z.account_id = a.id where a.id = $1`, [accountId])
  const zoom = res.rows[0]?.zoom
  if (Array.isArray(zoom) && zoom.length > 0) return zoom.filter((d): d is string => typeof d === 'string')
  const s = res.rows[0]?.settings ?? {}
  return Array.isArray(s.dispositions) ? s.dispositions.filter((d) => typeof d === 'string') : DEFAULT_DISPOSITIONS
}

export async function setDispositions(db: Db, accountId: string, list: string[]): Promise<string[]> {
  await db.query(
    `update accounts set settings = jsonb_set(settings, '{dispositions}', $2::jsonb, true) where id = $1`,
    [accountId, JSON.stringify(list)])
  return list
}
