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

export async function getDispositions(db: Db, accountId: string): Promise<string[]> {
  const s = await read(db, accountId)
  return Array.isArray(s.dispositions) ? s.dispositions.filter((d) => typeof d === 'string') : DEFAULT_DISPOSITIONS
}

export async function setDispositions(db: Db, accountId: string, list: string[]): Promise<string[]> {
  await db.query(
    `update accounts set settings = jsonb_set(settings, '{dispositions}', $2::jsonb, true) where id = $1`,
    [accountId, JSON.stringify(list)])
  return list
}
