import { createHash } from 'node:crypto'

/** JSON with sorted keys, so equal payloads give equal strings whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const obj = value as Record<string, unknown>
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort()
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`
}

/**
 * The dedup key of an SDK event: engagement + kind + normalized payload + Zoom's own timestamp.
 * Two sessions of one agent reporting the same `onEngagementStatusChange`, or Zoom repeating
 * it, give the same key; the unique index turns the second into a duplicate.
 */
export function dedupKey(engagementId: string, kind: string, payload: unknown, zoomTimestamp?: number | string): string {
  const h = createHash('sha256')
  h.update(engagementId).update('\0').update(kind).update('\0').update(canonicalJson(payload))
  h.update('\0').update(zoomTimestamp === undefined ? '' : String(zoomTimestamp))
  return h.digest('base64url').slice(0, 32)
}
