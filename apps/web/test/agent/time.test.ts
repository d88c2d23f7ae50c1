import { describe, expect, it } from 'vitest'
import { toEpochMs } from '@switchboard/protocol'
import { describeDuration, elapsed, formatDuration } from '../../src/lib/time.ts'

describe('formatDuration', () => {
  it('formats minutes and seconds under an hour', () => {
    expect(formatDuration(0)).toBe('0:00')
    expect(formatDuration(5_999)).toBe('0:05')
    expect(formatDuration(65_000)).toBe('1:05')
    expect(formatDuration(59 * 60_000 + 59_000)).toBe('59:59')
  })

  it('adds hours from one hour on', () => {
    expect(formatDuration(3_600_000)).toBe('1:00:00')
    expect(formatDuration(3_600_000 + 62_000)).toBe('1:01:02')
    expect(formatDuration(26 * 3_600_000)).toBe('26:00:00')
  })

  it('clamps unknown or negative durations to zero', () => {
    expect(formatDuration(-500)).toBe('0:00')
    expect(formatDuration(null)).toBe('0:00')
    expect(formatDuration(Number.NaN)).toBe('0:00')
  })
})

describe('elapsed', () => {
  it('ticks with the clock and is null without a start', () => {
    const since = 1_000_000
    expect(elapsed(since, since + 1_000)).toBe(1_000)
    expect(elapsed(since, since + 2_000)).toBe(2_000)
    expect(elapsed(since, since - 50)).toBe(0)
    expect(elapsed(null, since)).toBeNull()
  })
})

describe('describeDuration', () => {
  it('reads naturally', () => {
    expect(describeDuration(3_723_000)).toBe('1 hour 2 minutes 3 seconds')
    expect(describeDuration(0)).toBe('0 seconds')
    expect(describeDuration(60_000)).toBe('1 minute')
  })
})

describe('toEpochMs', () => {
  it('reads numbers, numeric strings and ISO dates', () => {
    expect(toEpochMs(1_700_000_000_000)).toBe(1_700_000_000_000)
    expect(toEpochMs('1700000000000')).toBe(1_700_000_000_000)
    expect(toEpochMs('2024-01-01T00:00:00Z')).toBe(Date.UTC(2024, 0, 1))
    expect(toEpochMs('nope')).toBeNull()
    expect(toEpochMs(undefined)).toBeNull()
  })
})
