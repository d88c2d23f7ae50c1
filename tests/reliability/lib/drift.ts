/**
 * Soak analysis: is a resource series still climbing after warm-up? Drift is the median of the
 * last quarter of the post-warm-up samples against the median of its first quarter (robust to a
 * single GC spike); the least-squares slope is reported alongside.
 */
import { slope } from '../../bench/report.ts'

export interface Drift {
  samples: number
  warmupSamples: number
  first: number | null
  last: number | null
  /** (last − first) / first, in percent; null without enough samples */
  driftPct: number | null
  /** least-squares slope per minute over the post-warm-up samples */
  perMinute: number | null
}

const median = (xs: number[]) => {
  const v = [...xs].sort((a, b) => a - b)
  return v.length === 0 ? null : v[Math.floor((v.length - 1) / 2)]!
}

/** `points`: [minutes since start, value]; the first `warmupFraction` of samples (at least one) are dropped. */
export function drift(points: Array<[number, number | null]>, warmupFraction = 0.2): Drift {
  const clean = points.filter((p): p is [number, number] => p[1] !== null)
  const warm = Math.max(1, Math.floor(clean.length * warmupFraction))
  const after = clean.slice(warm)
  if (after.length < 4) return { samples: clean.length, warmupSamples: warm, first: null, last: null, driftPct: null, perMinute: null }
  const q = Math.max(1, Math.floor(after.length / 4))
  const first = median(after.slice(0, q).map((p) => p[1]))!
  const last = median(after.slice(-q).map((p) => p[1]))!
  return {
    samples: clean.length, warmupSamples: warm, first, last,
    driftPct: first === 0 ? null : Math.round(((last - first) / first) * 1000) / 10,
    perMinute: Math.round(slope(after) * 10) / 10,
  }
}
