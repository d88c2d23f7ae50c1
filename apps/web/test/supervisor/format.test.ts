import { describe, expect, it } from 'vitest'
import { describeDuration, formatDuration, formatSpan } from '../../src/supervisor/format.ts'

describe('durations', () => {
  it('shows a finished sub-second duration as under a second, never as 0:00', () => {
    expect(formatSpan(0)).toBe('<0:01')
    expect(formatSpan(420)).toBe('<0:01')
    expect(formatSpan(1000)).toBe('0:01')
    expect(formatSpan(3_723_000)).toBe('1:02:03')
    expect(formatSpan(null)).toBe('—')
    expect(describeDuration(420)).toBe('less than a second')
    expect(describeDuration(35_000)).toBe('35 seconds')
  })

  it('keeps live timers on m:ss from 0:00', () => {
    expect(formatDuration(0)).toBe('0:00')
    expect(formatDuration(999)).toBe('0:00')
  })
})
