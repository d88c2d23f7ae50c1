/**
 * Latency samples (milliseconds). Kept raw (bounded by a cap with reservoir sampling past it)
 * so percentiles are exact for the run sizes we use.
 */
export interface Summary {
  count: number
  p50: number | null
  p95: number | null
  p99: number | null
  max: number | null
  mean: number | null
}

export class Samples {
  private values: number[] = []
  private seen = 0
  private readonly cap: number
  constructor(cap = 2_000_000) {
    this.cap = cap
  }

  add(ms: number): void {
    this.seen++
    if (this.values.length < this.cap) {
      this.values.push(ms)
      return
    }
    const j = Math.floor(Math.random() * this.seen)
    if (j < this.cap) this.values[j] = ms
  }

  get count(): number {
    return this.seen
  }

  summary(): Summary {
    const v = Float64Array.from(this.values).sort()
    const n = v.length
    if (n === 0) return { count: 0, p50: null, p95: null, p99: null, max: null, mean: null }
    let sum = 0
    for (const x of v) sum += x
    const q = (p: number) => round(v[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))]!)
    return { count: this.seen, p50: q(0.5), p95: q(0.95), p99: q(0.99), max: round(v[n - 1]!), mean: round(sum / n) }
  }
}

export function round(x: number, digits = 2): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}
