/** Per-account settings kept in `accounts.settings`: alert thresholds and dispositions (SQL in `store/account-settings.ts`). */
import type { AlertThresholds } from '@switchboard/protocol'
import { readSettings, readSettingsAndZoomDispositions, writeSetting } from '../store/account-settings.ts'
import type { Db } from '../store/port.ts'

export const DEFAULT_THRESHOLDS: AlertThresholds = { handleMs: 10 * 60_000, wrapupMs: 2 * 60_000, inactiveMs: 60_000 }
export const DEFAULT_DISPOSITIONS = ['Resolved', 'Follow-up needed', 'Escalated', 'No answer', 'Wrong number']

export async function getThresholds(db: Db, accountId: string): Promise<AlertThresholds> {
  const s = await readSettings(db, accountId)
  return { ...DEFAULT_THRESHOLDS, ...pickNumbers(s.thresholds as Partial<AlertThresholds> | undefined) }
}

function pickNumbers(t: Partial<AlertThresholds> | undefined): Partial<AlertThresholds> {
  const out: Partial<AlertThresholds> = {}
  for (const k of ['handleMs', 'wrapupMs', 'inactiveMs'] as const) if (typeof t?.[k] === 'number') out[k] = t[k]
  return out
}

export async function setThresholds(db: Db, accountId: string, t: AlertThresholds): Promise<AlertThresholds> {
  await writeSetting(db, accountId, 'thresholds', t)
  return t
}

/**
 * The wrap-up choices: Zoom's active dispositions when the REST backfill found any for the
 * account (`zoom_sync.dispositions`), else the account's own list, else the defaults.
 */
export async function getDispositions(db: Db, accountId: string): Promise<string[]> {
  const { settings, zoomDispositions: zoom } = await readSettingsAndZoomDispositions(db, accountId)
  if (Array.isArray(zoom) && zoom.length > 0) return zoom.filter((d): d is string => typeof d === 'string')
  const own = settings.dispositions
  return Array.isArray(own) ? own.filter((d): d is string => typeof d === 'string') : DEFAULT_DISPOSITIONS
}

export async function setDispositions(db: Db, accountId: string, list: string[]): Promise<string[]> {
  await writeSetting(db, accountId, 'dispositions', list)
  return list
}
