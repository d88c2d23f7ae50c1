import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Clock } from '../../src/lib/clock.svelte.ts'

describe('Clock', () => {
  beforeEach(() => { vi.useFakeTimers({ now: 1_000_000 }) })
  afterEach(() => { vi.useRealTimers() })

  it('is browser time by default and shifts by the offset in whole seconds, read as it changes', () => {
    let offset = 0
    const clock = new Clock({ offset: () => offset })
    const release = clock.hold()
    expect(clock.now).toBe(1_000_000)
    offset = 4_600
    expect(clock.offsetMs).toBe(5_000)
    vi.advanceTimersByTime(1_000)
    expect(clock.now).toBe(1_006_000)
    // Jitter within the same second changes nothing.
    offset = 5_200
    expect(clock.now).toBe(1_006_000)
    offset = -2_000
    expect(clock.now).toBe(999_000)
    offset = Number.NaN
    expect(clock.offsetMs).toBe(0)
    release()
  })

  it('ticks once a second while held, runs the holders\' tick callbacks, and stops when released', () => {
    let t = 50_000
    const clock = new Clock({ read: () => t })
    const seen: number[] = []
    const release = clock.hold((now) => seen.push(now))
    const other = clock.hold()
    t += 1_000
    vi.advanceTimersByTime(1_000)
    expect(seen).toEqual([51_000])
    release()
    release()
    t += 1_000
    vi.advanceTimersByTime(1_000)
    expect(seen).toEqual([51_000])
    expect(clock.now).toBe(52_000)
    other()
    t += 1_000
    vi.advanceTimersByTime(5_000)
    expect(clock.now).toBe(52_000)
  })
})
