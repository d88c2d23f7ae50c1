/**
 * Duration formatting for live timers: `m:ss` under an hour, `h:mm:ss` above.
 * Negative or missing inputs (clock skew, unknown start) render as `0:00`.
 */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms) || ms < 0) ms = 0
  const total = Math.floor(ms / 1000)
  const s = total % 60
  const m = Math.floor(total / 60) % 60
  const h = Math.floor(total / 3600)
  const ss = String(s).padStart(2, '0')
  if (h > 0) return `${h}:${String(m).padStart(2, '0')}:${ss}`
  return `${m}:${ss}`
}

/** Milliseconds elapsed since `since` at `now`; null when `since` is unknown. */
export function elapsed(since: number | null | undefined, now: number): number | null {
  if (since == null || !Number.isFinite(since)) return null
  return Math.max(0, now - since)
}

/** Spoken form for screen readers and titles: "1 hour 2 minutes 3 seconds". */
export function describeDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms) || ms < 0) ms = 0
  const total = Math.floor(ms / 1000)
  const parts: string[] = []
  const h = Math.floor(total / 3600)
  const m = Math.floor(total / 60) % 60
  const s = total % 60
  if (h) parts.push(`${h} ${h === 1 ? 'hour' : 'hours'}`)
  if (m) parts.push(`${m} ${m === 1 ? 'minute' : 'minutes'}`)
  if (s || parts.length === 0) parts.push(`${s} ${s === 1 ? 'second' : 'seconds'}`)
  return parts.join(' ')
}


/** Short clock time for "saved at 14:03". */
export function formatClockTime(epochMs: number): string {
  return new Date(epochMs).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
}
