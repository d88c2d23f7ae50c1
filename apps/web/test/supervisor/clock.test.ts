import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Clock } from '../../src/lib/clock.svelte.ts'

describe('Clock offset', () => {
  beforeEach(() => { vi.useFakeTimers({ now: 1_000_000 }) })
  afterEach(() => { vi.useRealTimers() })

  it('is browser time by default and shifts by a whole-second offset when one is set', () => {
    const clock = new Clock()
    const release = clock.hold()
    expect(clock.now).toBe(1_000_000)
    clock.setOffset(4_600)
    expect(clock.offsetMs).toBe(5_000)
    expect(clock.now).toBe(1_005_000)
    vi.advanceTimersByTime(1_000)
    expect(clock.now).toBe(1_006_000)
    // Jitter within the same second changes nothing.
    clock.setOffset(5_200)
    expect(clock.now).toBe(1_006_000)
    clock.setOffset(-2_000)
    expect(clock.now).toBe(999_000)
    release()
  })

  it('ignores a non-finite offset', () => {
    const clock = new Clock()
    clock.setOffset(Number.NaN)
    expect(clock.offsetMs).toBe(0)
  })
})
