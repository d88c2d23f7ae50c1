/** Compact, tabular-friendly formatting for durations and times on the dashboard. */

/** `m:ss` under an hour, `h:mm:ss` above; '—' when unknown. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—'
  const total = Math.max(0, Math.floor(ms / 1000))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const ss = String(s).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`
}

/**
 * A finished duration (handle time, wrap-up of a closed engagement): as `formatDuration`, except
 * that one under a second reads "<0:01", not "0:00", which looks like missing data (a wrap-up
 * finished at once is real data).
 */
export function formatSpan(ms: number | null | undefined): string {
  return ms !== null && ms !== undefined && ms >= 0 && ms < 1000 ? '<0:01' : formatDuration(ms)
}

/** Spoken form for screen readers and titles: "1 hour 4 minutes", "35 seconds". */
export function describeDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return 'unknown'
  if (ms >= 0 && ms < 1000) return 'less than a second'
  const total = Math.max(0, Math.floor(ms / 1000))
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const part = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`
  if (h > 0) return m > 0 ? `${part(h, 'hour')} ${part(m, 'minute')}` : part(h, 'hour')
  if (m > 0) return part(m, 'minute')
  return part(s, 'second')
}

/** "just now", "4 min ago", "2 h ago". */
export function formatAgo(at: number | null | undefined, now: number): string {
  if (at === null || at === undefined) return 'never'
  const s = Math.max(0, Math.floor((now - at) / 1000))
  if (s < 10) return 'just now'
  if (s < 60) return `${s} s ago`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ago`
  const h = Math.floor(m / 60)
  if (h < 48) return `${h} h ago`
  return `${Math.floor(h / 24)} d ago`
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })
const dateTimeFmt = new Intl.DateTimeFormat(undefined, {
  year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
})

export function formatClock(at: number | null | undefined): string {
  return at === null || at === undefined ? '—' : timeFmt.format(at)
}

export function formatDateTime(at: number | null | undefined): string {
  return at === null || at === undefined ? '—' : dateTimeFmt.format(at)
}

/** Minutes from a form field to ms (0 disables), and back. */
export function minutesToMs(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.round(value * 60_000) : 0
}
export function msToMinutes(ms: number): number {
  return Math.round((ms / 60_000) * 100) / 100
}
