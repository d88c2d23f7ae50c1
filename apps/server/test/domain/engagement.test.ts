import { describe, expect, it } from 'vitest'
import { decide, type DecideInput } from '../../src/domain/engagement/decide.ts'
import { canonicalJson, dedupKey } from '../../src/domain/engagement/dedup.ts'
import { evolve, type AppliedEvent } from '../../src/domain/engagement/evolve.ts'
import { emptyEngagement, toEpochMs, type Actor, type Command, type Engagement } from '../../src/domain/engagement/model.ts'

const T0 = 1_700_000_000_000
const agent: Actor = { userId: 'a1', accountId: 'acc', role: 'agent', displayName: 'Ann', source: 'sdk' }
const other: Actor = { ...agent, userId: 'a2', displayName: 'Bob' }
const sup: Actor = { userId: 's1', accountId: 'acc', role: 'supervisor', displayName: 'Sue', source: 'sdk' }
const stranger: Actor = { userId: 'x1', accountId: 'other', role: 'admin', displayName: 'X', source: 'sdk' }

/** given events, when command, then events: runs decide then folds the result with evolve. */
function run(cmds: { actor: Actor; cmd: Command; at?: number }[]): { state: Engagement | null; results: ReturnType<typeof decide>[] } {
  let state: Engagement | null = null
  const results: ReturnType<typeof decide>[] = []
  for (const { actor, cmd, at } of cmds) {
    const now = at ?? T0
    const input: DecideInput = { engagement: state, actor, now }
    const d = decide(cmd, input)
    results.push(d)
    if (!d.ok) continue
    let s: Engagement = d.creates ? emptyEngagement(actor.accountId, cmd.engagementId, actor.userId, now) : state!
    for (const ev of d.events) s = evolve(s, { ...ev, seq: s.lastSeq + 1, actorId: actor.userId, at: now, actorName: actor.displayName } as AppliedEvent)
    state = s
  }
  return { state, results }
}

const observe = (status?: Record<string, unknown>, context: Record<string, unknown> = {}): Command => ({
  type: 'engagement.observe', engagementId: 'e1', at: T0,
  context: { engagementId: 'e1', startTime: T0 - 60_000, queueId: 'q', ...context }, ...(status ? { status } : {}),
} as Command)
const status = (changes: Record<string, unknown>, zoomTimestamp?: number): Command =>
  ({ type: 'engagement.status', engagementId: 'e1', changes, at: T0, ...(zoomTimestamp ? { zoomTimestamp } : {}) } as Command)

describe('decide/evolve: engagement lifecycle', () => {
  it('creates on first observe, owned by the observer', () => {
    const { state, results } = run([{ actor: agent, cmd: observe({ state: 'active', channel: 'voice' }) }])
    expect(results[0]).toMatchObject({ ok: true, creates: true })
    expect(state).toMatchObject({ agentId: 'a1', state: 'active', channel: 'voice', queueId: 'q', startedAt: T0 - 60_000, acceptedAt: T0, lastSeq: 1 })
  })

  it('merges Zoom status diffs and computes the state timeline and durations', () => {
    const { state } = run([
      { actor: agent, cmd: observe({ state: 'active', channel: 'voice' }, { acceptTime: T0 }) },
      { actor: agent, cmd: status({ state: 'inactive' }), at: T0 + 10_000 },
      { actor: agent, cmd: status({ channel: 'video' }), at: T0 + 15_000 },
      { actor: agent, cmd: status({ state: 'active' }), at: T0 + 20_000 },
      { actor: agent, cmd: status({ state: 'wrap-up' }), at: T0 + 60_000 },
      { actor: agent, cmd: status({ state: 'end' }), at: T0 + 90_000 },
    ])
    expect(state).toMatchObject({
      state: 'end', channel: 'video', stateSince: T0 + 90_000, wrapupStartedAt: T0 + 60_000, endedAt: T0 + 90_000,
      handleMs: 60_000, wrapupMs: 30_000, lastSeq: 6,
    })
  })

  it('ignores reordered status that would move the state backwards', () => {
    const { state, results } = run([
      { actor: agent, cmd: observe({ state: 'active' }) },
      { actor: agent, cmd: status({ state: 'end' }, 5), at: T0 + 5000 },
      { actor: agent, cmd: status({ state: 'wrap-up' }, 4), at: T0 + 6000 },
    ])
    expect(state?.state).toBe('end')
    // The late wrap-up changes nothing in the projection: a duplicate, no row.
    expect(results[2]).toEqual({ ok: true, events: [] })
  })

  it('treats an SDK fact that changes nothing as a duplicate (second session reporting it)', () => {
    const { results } = run([
      { actor: agent, cmd: observe({ state: 'active' }) },
      { actor: { ...agent, source: 'webhook' }, cmd: observe({ state: 'active' }) },
      { actor: agent, cmd: status({ state: 'active' }) },
    ])
    expect(results[1]).toEqual({ ok: true, events: [] })
    expect(results[2]).toEqual({ ok: true, events: [] })
  })

  it('gives timestamped Zoom events a dedup key from the normalized payload', () => {
    const { results } = run([{ actor: agent, cmd: observe() }, { actor: agent, cmd: status({ state: 'inactive', channel: 'voice' }, 42) }])
    const d = results[1]
    expect(d?.ok && d.events[0]?.dedupKey).toBe(dedupKey('e1', 'status', { channel: 'voice', state: 'inactive' }, 42))
    expect(dedupKey('e1', 'status', { a: 1, b: 2 }, 1)).toBe(dedupKey('e1', 'status', { b: 2, a: 1 }, 1))
    expect(dedupKey('e1', 'status', { a: 1 }, 1)).not.toBe(dedupKey('e1', 'status', { a: 1 }, 2))
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: undefined })).toBe('{"b":[1,{"c":2,"d":1}]}')
  })

  it('merges variables and raises/clears help', () => {
    const { state, results } = run([
      { actor: agent, cmd: observe() },
      { actor: agent, cmd: { type: 'engagement.variables', engagementId: 'e1', variables: [{ id: 'v1', value: 'x' }], at: T0 } },
      { actor: agent, cmd: { type: 'engagement.variables', engagementId: 'e1', variables: [{ id: 'v2', value: 3 }], at: T0 } },
      { actor: agent, cmd: { type: 'help.set', engagementId: 'e1', raised: true, note: 'refund?' }, at: T0 + 1 },
      { actor: agent, cmd: { type: 'help.set', engagementId: 'e1', raised: true, note: 'refund?' } },
    ])
    expect(state?.variables).toEqual({ v1: 'x', v2: 3 })
    expect(state?.help).toEqual({ raisedBy: 'a1', raisedByName: 'Ann', at: T0 + 1, note: 'refund?' })
    expect(results[4]).toEqual({ ok: true, events: [] })
    const cleared = run([
      { actor: agent, cmd: observe() },
      { actor: agent, cmd: { type: 'help.set', engagementId: 'e1', raised: true } },
      { actor: agent, cmd: { type: 'help.set', engagementId: 'e1', raised: false } },
    ])
    expect(cleared.state?.help).toBeNull()
  })
})

describe('decide: access', () => {
  it('lets only the owning agent write; others of the account get NOT_FOUND (agents) or FORBIDDEN (supervisors)', () => {
    const { results } = run([
      { actor: agent, cmd: observe() },
      { actor: other, cmd: status({ state: 'inactive' }) },
      { actor: sup, cmd: status({ state: 'inactive' }) },
      { actor: stranger, cmd: status({ state: 'inactive' }) },
      { actor: other, cmd: { type: 'doc.update', engagementId: 'e1', update: 'AAA=' } },
    ])
    expect(results.slice(1).map((r) => (r.ok ? 'ok' : r.code))).toEqual(['NOT_FOUND', 'FORBIDDEN', 'NOT_FOUND', 'NOT_FOUND'])
  })

  it('whispers: supervisors of the account only', () => {
    const w: Command = { type: 'whisper.send', engagementId: 'e1', text: 'hi' }
    const { results } = run([{ actor: agent, cmd: observe() }, { actor: agent, cmd: w }, { actor: stranger, cmd: w }, { actor: sup, cmd: w }])
    expect(results.slice(1).map((r) => (r.ok ? 'ok' : r.code))).toEqual(['FORBIDDEN', 'NOT_FOUND', 'ok'])
  })

  it('a transfer hands ownership to the new agent; a plain observe by another agent is refused', () => {
    const plain = run([{ actor: agent, cmd: observe({ state: 'active' }) }, { actor: other, cmd: observe({ state: 'active' }) }])
    expect(plain.results[1]).toEqual({ ok: false, code: 'NOT_FOUND' })
    const moved = run([
      { actor: agent, cmd: observe({ state: 'active' }) },
      { actor: agent, cmd: status({ state: 'wrap-up' }) },
      { actor: other, cmd: observe({ state: 'active', assignedAgentId: 'a2' }), at: T0 + 5 },
    ])
    expect(moved.results[2]).toMatchObject({ ok: true, takeover: true })
    expect(moved.state).toMatchObject({ agentId: 'a2', agentName: 'Bob', state: 'active', wrapupStartedAt: null })
    const back = run([
      { actor: agent, cmd: observe() },
      { actor: other, cmd: observe({}, { isTransfer: true, transferFromAgentId: 'a1' }) },
      { actor: agent, cmd: status({ state: 'inactive' }) },
    ])
    expect(back.state?.transfer).toEqual({ fromAgentId: 'a1' })
    expect(back.results[2]).toEqual({ ok: false, code: 'NOT_FOUND' })
  })

  it('whisper.read must point at an existing row', () => {
    const { results } = run([{ actor: agent, cmd: observe() }, { actor: agent, cmd: { type: 'whisper.read', engagementId: 'e1', whisperSeq: 9 } }])
    expect(results[1]).toEqual({ ok: false, code: 'NOT_FOUND' })
  })
})

describe('toEpochMs', () => {
  it('reads ms, seconds, numeric strings and ISO strings', () => {
    expect(toEpochMs(T0)).toBe(T0)
    expect(toEpochMs(T0 / 1000)).toBe(T0)
    expect(toEpochMs(String(T0))).toBe(T0)
    expect(toEpochMs(new Date(T0).toISOString())).toBe(T0)
    expect(toEpochMs('nonsense')).toBeNull()
    expect(toEpochMs(undefined)).toBeNull()
  })
})
