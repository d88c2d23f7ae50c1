/**
 * The write pipeline's port (`ops.ts`) on embedded PGlite: ops that do not come from a socket
 * (a Zoom webhook) go through the same writer, rules, dedup and fan-out as socket ops, and a
 * repeated Zoom fact is answered with its original row's seq.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Actor } from '../../src/domain/engagement/model.ts'
import { Client, createUser, observe, opId, startNode, type Node, type TestUser } from './harness.ts'

let dir: string
let node: Node
const agent: TestUser = { accountId: 'acc1', id: 'agent1', role: 'agent', name: 'Ann' }
const webhook: Actor = { accountId: 'acc1', userId: 'agent1', role: 'agent', displayName: 'Ann', source: 'webhook' }

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sb-ops-'))
  node = await startNode({ dataDir: dir })
  await createUser(node.store, agent)
}, 60_000)
afterAll(async () => {
  await node?.close()
  rmSync(dir, { recursive: true, force: true })
})

const variables = (engagementId: string, zoomTimestamp: number) => ({
  type: 'engagement.variables', opId: opId(), engagementId, variables: [{ id: 'v', value: 'gold' }], zoomTimestamp, at: Date.now(),
})

describe('repeated Zoom facts', () => {
  it('a repeat that would no longer change the engagement is acked with the original row\'s seq, not the latest', async () => {
    const a = await Client.connect(node, agent)
    expect(await a.op(observe('e-dup'))).toMatchObject({ type: 'ack', seq: 1 })
    expect(await a.op(variables('e-dup', 1000))).toMatchObject({ type: 'ack', seq: 2 })
    expect(await a.op({ type: 'help.set', engagementId: 'e-dup', raised: true })).toMatchObject({ type: 'ack', seq: 3 })
    expect(await a.op(variables('e-dup', 1000))).toMatchObject({ type: 'ack', seq: 2, duplicate: true })
    // The same values reported with another Zoom timestamp are a different report that changes
    // nothing: a duplicate of the state the engagement already shows (its last seq).
    expect(await a.op(variables('e-dup', 2000))).toMatchObject({ type: 'ack', seq: 3, duplicate: true })
    a.close()
  })
})

describe('ops from a source without a socket', () => {
  it('a webhook op is committed, fanned out to the agent\'s sessions, and deduplicated against the SDK report', async () => {
    const a = await Client.connect(node, agent)
    const created = await node.app.realtime.submit({
      opId: opId(), actor: webhook,
      command: {
        type: 'engagement.observe', engagementId: 'e-hook', at: Date.now(),
        context: { engagementId: 'e-hook', startTime: Date.now() - 1000, queueId: 'q1' }, status: { state: 'active', channel: 'voice' },
      },
    })
    expect(created).toMatchObject({ ok: true, engagementId: 'e-hook', seq: 1, duplicate: false })
    const status = { state: 'inactive' as const }
    const byHook = await node.app.realtime.submit({
      opId: opId(), actor: webhook,
      command: { type: 'engagement.status', engagementId: 'e-hook', changes: status, zoomTimestamp: 5000, at: Date.now() },
    })
    expect(byHook).toMatchObject({ ok: true, seq: 2, duplicate: false })
    // The agent's session follows its engagement without subscribing: it gets the webhook's rows.
    await expect.poll(() => a.of('engagement.events').flatMap((m) => (m['events'] as { seq: number }[]).map((e) => e.seq))).toEqual([1, 2])
    // The same Zoom event reported by the agent app is the webhook's row.
    expect(await a.op({ type: 'engagement.status', engagementId: 'e-hook', changes: status, zoomTimestamp: 5000, at: Date.now() })).toMatchObject({ type: 'ack', seq: 2, duplicate: true })
    // A repeated webhook delivery (same op id) is answered from the log.
    const again = await node.app.realtime.submit({
      opId: (byHook as { opId: string }).opId, actor: webhook,
      command: { type: 'engagement.status', engagementId: 'e-hook', changes: status, zoomTimestamp: 5000, at: Date.now() },
    })
    expect(again).toMatchObject({ ok: true, seq: 2, duplicate: true })
    a.close()
  })

  it('refuses what the rules refuse, and what only a session can do', async () => {
    const stranger: Actor = { ...webhook, userId: 'someone-else' }
    const other = await node.app.realtime.submit({
      opId: opId(), actor: stranger, command: { type: 'help.set', engagementId: 'e-hook', raised: true },
    })
    expect(other).toMatchObject({ ok: false, code: 'NOT_FOUND', engagementId: 'e-hook' })
    const focus = await node.app.realtime.submit({
      opId: opId(), actor: webhook, command: { type: 'engagement.focus', engagementId: 'e-hook', at: Date.now() },
    })
    expect(focus).toMatchObject({ ok: false, code: 'BAD_MESSAGE' })
    const badDoc = await node.app.realtime.submit({
      opId: opId(), actor: webhook, command: { type: 'doc.update', engagementId: 'e-hook', update: Buffer.from('hello world').toString('base64') },
    })
    expect(badDoc).toMatchObject({ ok: false, code: 'BAD_MESSAGE' })
  })

  it('finds every live session of a user (any surface), to re-check or close them', async () => {
    const a = await Client.connect(node, agent)
    const b = await Client.connect(node, agent, 'other')
    const sessions = [...node.app.realtime.engine.hub.userSessions('acc1', 'agent1')]
    expect(sessions.length).toBeGreaterThanOrEqual(2)
    expect(new Set(sessions.map((s) => s.surface))).toEqual(new Set(['agent', 'other']))
    a.close()
    b.close()
    await expect.poll(() => node.app.realtime.engine.hub.userSessions('acc1', 'agent1').size).toBe(0)
  })
})
