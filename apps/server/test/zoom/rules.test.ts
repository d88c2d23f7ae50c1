/**
 * Zoom's events through the mapping and the same decide/evolve rules as the agent app's ops:
 * given what the app and Zoom reported, when the next report comes, then the rows and projection.
 */
import { describe, expect, it } from 'vitest'
import { zoomEngagementEvent, type ZoomEngagementEvent, type ZoomEngagementFields } from '@switchboard/protocol/zoom-webhooks'
import { decide, type Decision } from '../../src/domain/engagement/decide.ts'
import { evolve, type AppliedEvent } from '../../src/domain/engagement/evolve.ts'
import { emptyEngagement, ZOOM_ACTOR_ID, type Actor, type Command, type Engagement } from '../../src/domain/engagement/model.ts'
import { parseEnvelope } from '../../src/zoom/events.ts'
import { DISPOSITION_VARIABLE, mapEvent, type Mapped } from '../../src/zoom/mapping.ts'

const T0 = 1_700_000_000_000
const ACC = 'acc'
const ann: Actor = { userId: 'u-ann', accountId: ACC, role: 'agent', displayName: 'Ann', source: 'sdk' }

function zoomActor(m: Extract<Mapped, { kind: 'engagement' }>): Actor {
  return { userId: m.actor.userId ?? ZOOM_ACTOR_ID, accountId: ACC, role: 'agent', displayName: m.actor.displayName, source: 'webhook' }
}

function webhook(event: ZoomEngagementEvent, f: Partial<ZoomEngagementFields> = {}): { actor: Actor; cmd: Command } {
  const body = zoomEngagementEvent(event, 'zoom-acc', { engagementId: 'e1', userId: 'u-ann', userName: 'Ann', at: T0, ...f })
  const env = parseEnvelope(JSON.parse(JSON.stringify(body)))
  if (!env.ok) throw new Error(env.problem)
  const m = mapEvent(env.envelope)
  if (m.kind !== 'engagement') throw new Error(`not an engagement op: ${m.kind}`)
  return { actor: zoomActor(m), cmd: m.cmd }
}

/** Folds decide/evolve as the writer does (server time `at`), returning rows written per step. */
function run(steps: { actor: Actor; cmd: Command; at?: number }[]): { state: Engagement | null; results: Decision[]; rows: number } {
  let state: Engagement | null = null
  const results: Decision[] = []
  let rows = 0
  for (const { actor, cmd, at } of steps) {
    const now = at ?? T0 + 500
    const d = decide(cmd, { engagement: state, actor, now })
    results.push(d)
    if (!d.ok) continue
    let s: Engagement = d.creates ? { ...emptyEngagement(ACC, cmd.engagementId, actor.userId, now), agentName: actor.displayName } : state!
    for (const ev of d.events) {
      s = evolve(s, { ...ev, seq: s.lastSeq + 1, actorId: actor.userId, at: now, actorName: actor.displayName } as AppliedEvent)
      rows++
    }
    state = s
  }
  return { state, results, rows }
}

const sdkObserve = (status: Record<string, unknown> = { state: 'active', channel: 'voice' }): { actor: Actor; cmd: Command } => ({
  actor: ann, cmd: { type: 'engagement.observe', engagementId: 'e1', at: T0, context: { engagementId: 'e1', startTime: T0 - 30_000, queueId: 'q1' }, status } as Command,
})
const sdkStatus = (changes: Record<string, unknown>, ts = T0 + 1): { actor: Actor; cmd: Command } => ({
  actor: ann, cmd: { type: 'engagement.status', engagementId: 'e1', changes, zoomTimestamp: ts, at: T0 } as Command,
})

describe('webhook → engagement ops', () => {
  it('user_answered with no app open creates the engagement: agent, queue, channel, consumer, accept time', () => {
    const { state, results, rows } = run([webhook('engagement_user_answered', {
      queueId: 'q-bill', queueName: 'Billing', channel: 'video', channelSource: 'in_app_video',
      consumer: { id: 'c9', name: 'Jane Smith', number: '+18005550100' },
    })])
    expect(results[0]).toMatchObject({ ok: true, creates: true })
    expect(rows).toBe(1)
    expect(state).toMatchObject({
      agentId: 'u-ann', agentName: 'Ann', state: 'active', channel: 'video', source: 'video_inAppVideo',
      queueId: 'q-bill', queueName: 'Billing', acceptedAt: T0, stateSince: T0, sources: ['webhook'],
      consumers: [{ consumerId: 'c9', consumerDisplayName: 'Jane Smith', consumerNumber: '+18005550100' }],
    })
  })

  it('walks hold, unhold, wrap-up, disposition and end with Zoom\'s times', () => {
    const { state, rows } = run([
      webhook('engagement_user_answered', { at: T0 }),
      webhook('engagement_user_hold', { at: T0 + 10_000 }),
      webhook('engagement_user_unhold', { at: T0 + 20_000 }),
      webhook('engagement_wrap_up_started', { at: T0 + 60_000 }),
      webhook('engagement_disposition_added', { at: T0 + 70_000, disposition: { id: 'd1', name: 'Resolved' } }),
      webhook('engagement_wrap_up_ended', { at: T0 + 90_000 }),
    ].map((s) => ({ ...s, at: T0 + 100_000 })))
    expect(rows).toBe(6)
    expect(state).toMatchObject({
      state: 'end', acceptedAt: T0, wrapupStartedAt: T0 + 60_000, endedAt: T0 + 90_000, stateSince: T0 + 90_000,
      handleMs: 60_000, wrapupMs: 30_000, variables: { [DISPOSITION_VARIABLE]: 'Resolved' },
    })
  })

  it('engagement_ended (no agent named) ends it; for an engagement nobody owns it creates nothing', () => {
    const ended = run([webhook('engagement_user_answered'), webhook('engagement_ended', { userId: undefined, at: T0 + 5000 })])
    expect(ended.state).toMatchObject({ state: 'end', endedAt: T0 + 5000 })
    const orphan = run([webhook('engagement_started', { userId: undefined }), webhook('engagement_ended', { userId: undefined })])
    expect(orphan.state).toBeNull()
    expect(orphan.rows).toBe(0)
  })

  it('a Zoom time after the row is clamped to the row (clock skew never puts a state in the future)', () => {
    const { state } = run([{ ...webhook('engagement_user_answered', { at: T0 + 60_000 }), at: T0 }])
    expect(state?.stateSince).toBe(T0)
  })
})

describe('one fact, one row, whichever reports it first', () => {
  it('SDK wrap-up, then the webhook: one row', () => {
    const r = run([sdkObserve(), sdkStatus({ state: 'wrap-up' }), webhook('engagement_wrap_up_started')])
    expect(r.rows).toBe(2)
    expect(r.results[2]).toEqual({ ok: true, events: [] })
  })

  it('webhook wrap-up, then the SDK: one row', () => {
    const r = run([webhook('engagement_user_answered'), webhook('engagement_wrap_up_started'), sdkStatus({ state: 'wrap-up' })])
    expect(r.rows).toBe(2)
    expect(r.results[2]).toEqual({ ok: true, events: [] })
    expect(r.state?.sources).toEqual(['webhook'])
  })

  it('the app observed it first: user_answered adds nothing it already shows', () => {
    const r = run([sdkObserve({ state: 'active', channel: 'voice', consumers: [{ consumerDisplayName: 'Jane' }] }),
      webhook('engagement_user_answered', { channel: 'voice', queueId: 'q-other', consumer: { id: 'c9', name: 'Jane Smith' } })])
    expect(r.results[1]).toEqual({ ok: true, events: [] })
    // Fill, never overwrite: the app's queue and consumer stay.
    expect(r.state).toMatchObject({ queueId: 'q1', consumers: [{ consumerDisplayName: 'Jane' }], sources: ['app'] })
  })

  it('a webhook fills what the app did not report, as a row marked webhook', () => {
    const r = run([sdkObserve({ state: 'active' }), webhook('engagement_user_answered', { channel: 'video', queueName: 'Billing' })])
    expect(r.rows).toBe(2)
    expect(r.state).toMatchObject({ channel: 'video', queueId: 'q1', queueName: 'Billing', sources: ['app', 'webhook'] })
  })
})

describe('out of order', () => {
  it('a hold that arrives before the answer creates the engagement; the answer does not undo it', () => {
    const r = run([
      webhook('engagement_user_hold', { at: T0 + 10_000 }),
      webhook('engagement_user_answered', { at: T0, queueName: 'Billing' }),
    ].map((s) => ({ ...s, at: T0 + 20_000 })))
    expect(r.results[0]).toMatchObject({ ok: true, creates: true })
    expect(r.state).toMatchObject({ agentId: 'u-ann', state: 'inactive', stateSince: T0 + 10_000, acceptedAt: T0, queueName: 'Billing' })
  })

  it('a late hold does not override a newer unhold, whoever reported the unhold', () => {
    const zoomOnly = run([
      webhook('engagement_user_answered', { at: T0 }),
      webhook('engagement_user_hold', { at: T0 + 10_000 }),
      webhook('engagement_user_unhold', { at: T0 + 20_000 }),
      webhook('engagement_user_hold', { at: T0 + 15_000 }),
    ].map((s) => ({ ...s, at: T0 + 30_000 })))
    expect(zoomOnly.state).toMatchObject({ state: 'active', stateSince: T0 + 20_000 })
    expect(zoomOnly.results[3]).toEqual({ ok: true, events: [] })
    const withApp = run([sdkObserve(), { ...sdkStatus({ state: 'inactive' }), at: T0 + 5_000 }, { ...sdkStatus({ state: 'active' }, T0 + 2), at: T0 + 20_000 },
      { ...webhook('engagement_user_hold', { at: T0 + 4_000 }), at: T0 + 25_000 }])
    expect(withApp.state?.state).toBe('active')
  })

  it('a state the delivery processor found superseded by a newer delivery is dropped, the rest still fills', () => {
    const body = zoomEngagementEvent('engagement_user_hold', 'zoom-acc', { engagementId: 'e1', userId: 'u-ann', at: T0, queueName: 'Billing' })
    const env = parseEnvelope(body)
    if (!env.ok) throw new Error(env.problem)
    const m = mapEvent(env.envelope, { stateSuperseded: true })
    expect(m.kind === 'engagement' && m.cmd.type === 'engagement.observe' && m.cmd.status).toEqual({})
    expect(m.kind === 'engagement' && m.cmd.type === 'engagement.observe' && m.cmd.context.queueName).toBe('Billing')
  })

  it('wrap-up and end move forward whenever they arrive', () => {
    const r = run([
      webhook('engagement_user_answered', { at: T0 }),
      webhook('engagement_user_unhold', { at: T0 + 50_000 }),
      webhook('engagement_wrap_up_started', { at: T0 + 40_000 }),
    ].map((s) => ({ ...s, at: T0 + 60_000 })))
    expect(r.state).toMatchObject({ state: 'wrap-up', wrapupStartedAt: T0 + 40_000 })
  })
})

describe('Zoom never undoes what is settled', () => {
  it('a webhook for an engagement the SDK already ended writes nothing and does not reopen it', () => {
    const r = run([sdkObserve(), sdkStatus({ state: 'end' }),
      webhook('engagement_user_answered', { userId: 'u-bob', userName: 'Bob' }), webhook('engagement_user_unhold'),
      webhook('engagement_wrap_up_started'), webhook('engagement_ended', { userId: undefined })])
    expect(r.rows).toBe(2)
    expect(r.results.slice(2)).toEqual([{ ok: true, events: [] }, { ok: true, events: [] }, { ok: true, events: [] }, { ok: true, events: [] }])
    expect(r.state).toMatchObject({ state: 'end', agentId: 'u-ann' })
  })

  it('a fact about someone who is not the owner changes nothing; a transfer to them takes it over', () => {
    const r = run([
      webhook('engagement_user_answered'),
      webhook('engagement_user_hold', { userId: 'u-bob' }),
      webhook('engagement_transfer_completed', { transferTo: { userId: 'u-bob', userName: 'Bob', queueId: 'q2', queueName: 'Tier 2', type: 'warm' } }),
      webhook('engagement_user_ended', { userId: 'u-ann' }),
    ])
    expect(r.results[1]).toEqual({ ok: true, events: [] })
    expect(r.results[2]).toMatchObject({ ok: true, takeover: true })
    expect(r.results[3]).toEqual({ ok: true, events: [] })
    expect(r.state).toMatchObject({
      agentId: 'u-bob', agentName: 'Bob', state: 'active', isTransfer: true, queueId: 'q2', queueName: 'Tier 2',
      transfer: { type: 'warm', fromAgentId: 'u-ann', fromAgentName: 'Ann' },
    })
  })

  it('user_answered by another agent is transfer evidence and records who had it', () => {
    const r = run([sdkObserve(), webhook('engagement_user_answered', { userId: 'u-bob', userName: 'Bob' })])
    expect(r.results[1]).toMatchObject({ ok: true, takeover: true })
    expect(r.state).toMatchObject({ agentId: 'u-bob', isTransfer: true, transfer: { fromAgentId: 'u-ann', fromAgentName: 'Ann' } })
  })

  it('Zoom ops never write notes, help or whispers: FORBIDDEN where the app\'s rules would allow it', () => {
    const answered = webhook('engagement_user_answered')
    const r = run([answered,
      { actor: answered.actor, cmd: { type: 'help.set', engagementId: 'e1', raised: true } },
      { actor: answered.actor, cmd: { type: 'doc.update', engagementId: 'e1', update: 'AAA=' } }])
    expect(r.results.slice(1)).toEqual([{ ok: false, code: 'FORBIDDEN' }, { ok: false, code: 'FORBIDDEN' }])
    // Where the app's rules refuse, their code stands (no engagement: NOT_FOUND).
    expect(decide({ type: 'help.set', engagementId: 'e1', raised: true }, { engagement: null, actor: answered.actor, now: T0 })).toEqual({ ok: false, code: 'NOT_FOUND' })
  })
})
