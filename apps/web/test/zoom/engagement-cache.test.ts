/** The runes cache class itself (compiled by the web project's Svelte plugin). */
import { flushSync } from 'svelte'
import { describe, expect, it } from 'vitest'
import { EngagementCache } from '../../src/agent/zoom/engagement-cache.svelte.ts'

describe('EngagementCache', () => {
  it('derives the focused and open engagements from the merged state', () => {
    const cache = new EngagementCache({ now: () => 1000 })
    expect(cache.focused).toBeNull()
    cache.setContext({ engagementId: 'e1', queueName: 'Billing' })
    cache.focus('e1', 10)
    cache.setStatus('e1', { engagementId: 'e1', status: { state: 'active', channel: 'voice' } })
    cache.setContext({ engagementId: 'e2' })
    cache.focus('e2', 20)
    cache.mergeStatus('e2', { state: 'active' }, 30)
    flushSync()
    expect(cache.focusedId).toBe('e2')
    expect(cache.open.map((e) => e.id)).toEqual(['e1', 'e2'])

    expect(cache.mergeStatus('e1', { state: 'end' }, 40)).toEqual(['state'])
    expect(cache.mergeStatus('e1', { state: 'active' }, 35)).toEqual([]) // older, arrived late
    flushSync()
    expect(cache.focused?.id).toBe('e2')
    expect(cache.open.map((e) => e.id)).toEqual(['e2'])
    expect(cache.all.map((e) => e.id)).toEqual(['e1', 'e2'])
    expect(cache.get('e1')?.context?.queueName).toBe('Billing')
    expect(cache.setStatus('e1', { engagementId: 'e2', status: { state: 'inactive' } })).toBeNull()
  })
})
