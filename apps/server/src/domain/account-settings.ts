/**
 * Per-account settings (`accounts.settings`): alert thresholds and dispositions, read defensively
 * from what is stored (SQL in `store/account-settings.ts`).
 */
import type { AlertThresholds } from '@switchboard/protocol'

export const DEFAULT_THRESHOLDS: AlertThresholds = { handleMs: 10 * 60_000, wrapupMs: 2 * 60_000, inactiveMs: 60_000 }
export const DEFAULT_DISPOSITIONS = ['Resolved', 'Follow-up needed', 'Escalated', 'No answer', 'Wrong number']

/** The thresholds in effect: the stored ones that are numbers, the defaults for the rest. */
export function thresholdsOf(stored: unknown): AlertThresholds {
  const t = (typeof stored === 'object' && stored !== null ? stored : {}) as Partial<Record<keyof AlertThresholds, unknown>>
  const out: AlertThresholds = { ...DEFAULT_THRESHOLDS }
  for (const k of ['handleMs', 'wrapupMs', 'inactiveMs'] as const) {
    const v = t[k]
    if (typeof v === 'number') out[k] = v
  }
  return out
}

/**
 * The wrap-up choices: Zoom's active dispositions when the REST backfill found any for the
 * account, else the account's own list, else the defaults.
 */
export function dispositionsOf(own: unknown, zoom: unknown): string[] {
  if (Array.isArray(zoom) && zoom.length > 0) return zoom.filter((d): d is string => typeof d === 'string')
  return Array.isArray(own) ? own.filter((d): d is string => typeof d === 'string') : DEFAULT_DISPOSITIONS
}
