/**
 * The history list's page cursor as clients hold it: an opaque base64url string of `{ u, i }`
 * (the position's time in ms and engagement id; `HistoryCursor` in the store).
 */
import type { HistoryCursor } from '../store/engagements.ts'

export function encodeCursor(c: HistoryCursor): string {
  return Buffer.from(JSON.stringify({ u: c.orderMs, i: c.id })).toString('base64url')
}

/** Latest instant Postgres and JavaScript both represent (ms): the cursor's time never goes past it. */
const MAX_MS = 8.64e15

/**
 * A cursor from a client is untrusted input: exactly `{ u, i }` with `u` a whole number of
 * milliseconds in range and `i` an id, else null (400 VALIDATION_FAILED, never a database error).
 */
export function decodeCursor(s: string): HistoryCursor | null {
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(s)) return null
  let c: unknown
  try {
    c = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'))
  } catch {
    return null
  }
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return null
  const { u, i, ...rest } = c as Record<string, unknown>
  if (Object.keys(rest).length > 0) return null
  if (typeof u !== 'number' || !Number.isSafeInteger(u) || u < 0 || u > MAX_MS) return null
  if (typeof i !== 'string' || i.length === 0 || i.length > 128) return null
  return { orderMs: u, id: i }
}
