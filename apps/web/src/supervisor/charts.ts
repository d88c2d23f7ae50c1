/**
 * Data for the two small charts: live engagements by state over the last hour (sampled on the
 * client from board data) and the day's handle-time distribution. Pure; the SVG is drawn by hand in
 * `StateChart.svelte` and `HandleHistogram.svelte`.
 */
import type { EngagementView } from '@switchboard/protocol'

export const MINUTE = 60_000
export const HOUR = 60 * MINUTE

export interface StateCounts { active: number; inactive: number; wrapup: number }
export interface StateSample extends StateCounts { t: number }

export function countStates(engagements: Iterable<EngagementView>): StateCounts {
  const c: StateCounts = { active: 0, inactive: 0, wrapup: 0 }
  for (const e of engagements) {
    if (e.state === 'active') c.active++
    else if (e.state === 'inactive') c.inactive++
    else if (e.state === 'wrap-up') c.wrapup++
  }
  return c
}

/**
 * Appends a sample and drops those older than `spanMs`. A sample closer than `minGapMs` to the
 * previous one replaces it, so a 1 s ticker keeps at most span/minGap samples.
 */
export function addSample(
  samples: readonly StateSample[], s: StateSample, spanMs = HOUR, minGapMs = 10_000,
): StateSample[] {
  const kept = samples.filter((x) => x.t > s.t - spanMs && x.t <= s.t)
  const last = kept[kept.length - 1]
  if (last && s.t - last.t < minGapMs && Math.floor(last.t / MINUTE) === Math.floor(s.t / MINUTE)) {
    kept[kept.length - 1] = s
  } else {
    kept.push(s)
  }
  return kept
}

export interface StateBucket extends StateCounts {
  /** Bucket start (aligned to `bucketMs`). */
  t: number
  /** False when no sample fell in the bucket (the page was not open then). */
  sampled: boolean
}

/**
 * Fixed buckets ending at the bucket holding `now`, oldest first. Each bucket shows its last
 * sample: the board as it was at the end of that minute.
 */
export function bucketSamples(
  samples: readonly StateSample[], now: number, bucketMs = MINUTE, spanMs = HOUR,
): StateBucket[] {
  const count = Math.max(1, Math.round(spanMs / bucketMs))
  const lastStart = Math.floor(now / bucketMs) * bucketMs
  const firstStart = lastStart - (count - 1) * bucketMs
  const buckets: StateBucket[] = []
  for (let i = 0; i < count; i++) {
    buckets.push({ t: firstStart + i * bucketMs, active: 0, inactive: 0, wrapup: 0, sampled: false })
  }
  for (const s of samples) {
    const i = Math.floor((s.t - firstStart) / bucketMs)
    const b = buckets[i]
    if (!b) continue
    b.active = s.active
    b.inactive = s.inactive
    b.wrapup = s.wrapup
    b.sampled = true
  }
  return buckets
}

/** Bin edges for handle time in ms; the last bin is open-ended. */
export const HANDLE_EDGES_MS: readonly number[] = [0, 1, 2, 5, 10, 15, 20, 30, 45, 60].map((m) => m * MINUTE)

export interface Bin { from: number; to: number | null; count: number }

export function histogram(values: Iterable<number>, edges: readonly number[] = HANDLE_EDGES_MS): Bin[] {
  const bins: Bin[] = edges.map((from, i) => ({ from, to: edges[i + 1] ?? null, count: 0 }))
  for (const v of values) {
    if (!Number.isFinite(v) || v < (edges[0] ?? 0)) continue
    let i = bins.length - 1
    while (i > 0 && v < (bins[i]?.from ?? 0)) i--
    const bin = bins[i]
    if (bin) bin.count++
  }
  return bins
}

/** A round axis maximum at or above `n` (1, 2, 5 × 10^k), at least 1. */
export function niceMax(n: number): number {
  if (n <= 1) return 1
  const pow = 10 ** Math.floor(Math.log10(n))
  for (const m of [1, 2, 5, 10]) if (m * pow >= n) return m * pow
  return 10 * pow
}

export function startOfLocalDay(now: number): number {
  const d = new Date(now)
  d.setHours(0, 0, 0, 0)
  return d.getTime()
}

export function binLabel(b: Bin): string {
  const m = (ms: number) => `${Math.round(ms / MINUTE)}`
  return b.to === null ? `${m(b.from)}+ min` : `${m(b.from)}–${m(b.to)} min`
}
