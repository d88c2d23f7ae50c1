import { describe, expect, it } from 'vitest'
import { defaultViewState, parseViewState, serializeViewState, type ViewState } from '../../src/supervisor/url-state.ts'

describe('view state in the URL', () => {
  it('leaves defaults out of the query string', () => {
    expect(serializeViewState(defaultViewState())).toBe('')
    expect(parseViewState('')).toEqual(defaultViewState())
  })

  it('round-trips every field, including characters that need escaping', () => {
    const v: ViewState = {
      tab: 'history',
      filters: { queue: 'q 1&2', agent: 'agent/7', state: 'wrap-up', channel: 'voice' },
      sort: { key: 'handleTime', dir: 'asc' },
      history: { q: 'refund "late" #42', from: '2025-01-01', to: '2025-01-31', agent: 'a-9', queue: 'billing' },
      open: 'eng=1?x',
    }
    const qs = serializeViewState(v)
    expect(parseViewState(qs)).toEqual(v)
    expect(parseViewState(`?${qs}`)).toEqual(v)
    expect(serializeViewState(parseViewState(qs))).toBe(qs)
  })

  it('keeps a non-default sort direction with the default key', () => {
    const v = defaultViewState()
    v.sort.dir = 'asc'
    expect(serializeViewState(v)).toBe('sort=alert&dir=asc')
    expect(parseViewState('sort=alert&dir=asc').sort).toEqual({ key: 'alert', dir: 'asc' })
  })

  it('falls back to defaults for unknown or malformed values', () => {
    const v = parseViewState('tab=admin&state=end&sort=drop%20table&dir=up&from=2025-13-45&to=yesterday')
    const d = defaultViewState()
    expect(v.tab).toBe(d.tab)
    expect(v.filters.state).toBe('')
    expect(v.sort).toEqual(d.sort)
    expect(v.history.from).toBe('')
    expect(v.history.to).toBe('')
  })

  it('trims and bounds free text', () => {
    const v = parseViewState(`q=${'x'.repeat(500)}&agent=%20a1%20`)
    expect(v.history.q.length).toBe(200)
    expect(v.filters.agent).toBe('a1')
  })
})
