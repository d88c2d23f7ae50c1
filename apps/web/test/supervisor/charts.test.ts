import { describe, expect, it } from 'vitest'
import {
  addSample, binLabel, bucketSamples, countStates, histogram, HOUR, MINUTE, niceMax,
} from '../../src/supervisor/charts.ts'
import { engagement, T0 } from './fixtures.ts'

const s = (t: number, active = 0, inactive = 0, wrapup = 0) => ({ t, active, inactive, wrapup })

describe('state samples', () => {
  it('counts live states', () => {
    expect(countStates([
      engagement('a'), engagement('b', { state: 'inactive' }), engagement('c', { state: 'wrap-up' }),
      engagement('d'), engagement('e', { state: null }),
    ])).toEqual({ active: 2, inactive: 1, wrapup: 1 })
  })

  it('drops samples older than the span and thins samples closer than the gap', () => {
    let xs = [s(T0 - HOUR - 1), s(T0 - 30 * MINUTE)]
    xs = addSample(xs, s(T0, 1))
    expect(xs.map((x) => x.t)).toEqual([T0 - 30 * MINUTE, T0])
    xs = addSample(xs, s(T0 + 1000, 2))
    expect(xs.map((x) => x.active)).toEqual([0, 2])
    xs = addSample(xs, s(T0 + 11_000, 3))
    expect(xs.map((x) => x.active)).toEqual([0, 2, 3])
  })

  it('buckets the last hour by minute, each bucket showing its last sample', () => {
    const now = T0 + 30_000
    const buckets = bucketSamples([
      s(T0 - 59 * MINUTE, 9), // first bucket
      s(T0 - 2 * MINUTE + 1000, 1, 1), s(T0 - 2 * MINUTE + 40_000, 2, 1),
      s(T0 + 5000, 4, 0, 1), // current bucket
      s(T0 - 2 * HOUR, 99), // outside
    ], now)
    expect(buckets).toHaveLength(60)
    expect(buckets[0]?.t).toBe(T0 - 59 * MINUTE)
    expect(buckets[0]).toMatchObject({ active: 9, sampled: true })
    expect(buckets[57]).toMatchObject({ active: 2, inactive: 1, sampled: true })
    expect(buckets[58]).toMatchObject({ sampled: false, active: 0 })
    expect(buckets[59]).toMatchObject({ t: T0, active: 4, wrapup: 1, sampled: true })
  })
})

describe('handle-time histogram', () => {
  it('bins values by edge with an open last bin, ignoring bad values', () => {
    const bins = histogram([0, 59_999, 60_000, 3 * MINUTE, 61 * MINUTE, 5 * HOUR, -5, Number.NaN], [0, MINUTE, 2 * MINUTE, 60 * MINUTE])
    expect(bins.map((b) => b.count)).toEqual([2, 1, 1, 2])
    expect(bins.at(-1)?.to).toBeNull()
    expect(bins.map(binLabel)).toEqual(['0–1 min', '1–2 min', '2–60 min', '60+ min'])
  })

  it('counts every valid value exactly once with the default edges', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i * 7919 % (90 * MINUTE))
    expect(histogram(values).reduce((n, b) => n + b.count, 0)).toBe(1000)
  })

  it('rounds axis maxima up to 1, 2 or 5 times a power of ten', () => {
    expect([0, 1, 3, 7, 10, 11, 260].map(niceMax)).toEqual([1, 1, 5, 10, 10, 20, 500])
  })
})
