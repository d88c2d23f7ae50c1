/**
 * Zoom reports times as epoch milliseconds, epoch seconds, numeric strings or ISO strings (the
 * SDK, webhooks and REST differ): epoch ms, or null when the value is missing or unreadable.
 * Below 1e11 a number can only be seconds (1e11 ms is 1973; 1e11 s is the year 5138).
 */
export function toEpochMs(v: unknown): number | null {
  if (typeof v !== 'number' && (typeof v !== 'string' || v.trim() === '')) return null
  let n = typeof v === 'number' ? v : /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : Date.parse(v)
  if (!Number.isFinite(n) || n <= 0) return null
  if (n < 1e11) n *= 1000
  return Math.round(n)
}
