import { describe, expect, it } from 'vitest'
import { eventsForNew, eventsForState } from '../../src/simulator/webhook-sender.ts'

describe('the webhooks the emulator sends for its engagements', () => {
  it('a new engagement: started and answered, then what its state implies', () => {
    expect(eventsForNew('active')).toEqual(['engagement_started', 'engagement_user_answered'])
    expect(eventsForNew('inactive')).toEqual(['engagement_started', 'engagement_user_answered', 'engagement_user_hold'])
    expect(eventsForNew('end')).toEqual([
      'engagement_started', 'engagement_user_answered', 'engagement_user_ended', 'engagement_wrap_up_started',
      'engagement_wrap_up_ended', 'engagement_ended',
    ])
  })

  it('a state change: hold, unhold, wrap-up, end; nothing after the end or for no change', () => {
    expect(eventsForState('active', 'inactive')).toEqual(['engagement_user_hold'])
    expect(eventsForState('inactive', 'active')).toEqual(['engagement_user_unhold'])
    expect(eventsForState('active', 'wrap-up')).toEqual(['engagement_user_ended', 'engagement_wrap_up_started'])
    expect(eventsForState('wrap-up', 'end')).toEqual(['engagement_wrap_up_ended', 'engagement_ended'])
    expect(eventsForState('active', 'end')).toEqual(['engagement_user_ended', 'engagement_wrap_up_ended', 'engagement_ended'])
    expect(eventsForState('end', 'active')).toEqual([])
    expect(eventsForState('active', 'active')).toEqual([])
  })
})
