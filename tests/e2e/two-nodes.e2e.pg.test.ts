/**
 * Two server processes on one Postgres, end to end: the agent works on node A; the supervisor and
 * the agent's second session are on node B. Each origin gets its own dev sign-in (same account and
 * user ids); both nodes share the session secret and allow each other's origin, as behind a load
 * balancer. Everything crosses nodes through Postgres (LISTEN/NOTIFY).
 */
import { describe, expect, it } from 'vitest'
import { openAgent } from './support/agent.ts'
import { e2eEnabled, POLL } from './support/env.ts'
import { freePort, ServerNode } from './support/server.ts'
import { openStage, stageForFile } from './support/stage.ts'
import { openSupervisor } from './support/supervisor.ts'

describe.skipIf(!e2eEnabled('two-nodes'))('two server nodes on one Postgres', () => {
  const f = stageForFile(async (cleanup) => {
    const stage = await openStage(cleanup)
    const { build, db, sessionSecret } = stage
    const [portA, portB] = [await freePort(), await freePort()]
    const origins = [`http://127.0.0.1:${portA}`, `http://127.0.0.1:${portB}`]
    const common = { databaseUrl: db.url, sessionSecret, allowedOrigins: origins }
    const nodeA = new ServerNode(build, portA, { ...common, nodeId: 'e2e-node-a' })
    const nodeB = new ServerNode(build, portB, { ...common, nodeId: 'e2e-node-b' })
    cleanup.add('stop node A', () => nodeA.close())
    cleanup.add('stop node B', () => nodeB.close())
    // One after the other: both migrate the same database on boot.
    await nodeA.start()
    await nodeB.start()
    return { ...stage, nodeA, nodeB }
  })

  it('agent on A; supervisor and second session on B see and answer everything live', async () => {
    const { nodeA, nodeB } = f.stage
    const sup = await openSupervisor(await f.newContext(), nodeB.origin, f.sam)
    const agent = await openAgent(await f.newContext(), nodeA.origin, f.ana)
    const id = await agent.take({ consumer: { name: 'Ada Lovelace' }, queueName: 'Billing' })
    await expect.poll(() => sup.row(id).count(), POLL).toBe(1)
    expect(await sup.rowState(id)).toBe('Active')

    await agent.typeSaved('Typed on node A.')
    await expect.poll(() => sup.rowNotes(id), POLL).toBe('Typed on node A.')
    await sup.open(id)
    await expect.poll(() => sup.drillNotes(), POLL).toBe('Typed on node A.')

    // The agent's second Zoom client, served by node B, on the same engagement.
    const second = await openAgent(await f.newContext(), nodeB.origin, f.ana)
    await second.create({ id, consumer: { name: 'Ada Lovelace' }, queueName: 'Billing' })
    await expect.poll(() => second.notes().inputValue(), POLL).toBe('Typed on node A.')
    await agent.type('\nMore from A.')
    await expect.poll(() => second.notes().inputValue(), POLL).toBe('Typed on node A.\nMore from A.')
    await expect.poll(() => sup.drillNotes(), POLL).toBe('Typed on node A.\nMore from A.')
    await second.type('\nAnd from B.')
    await expect.poll(() => agent.notes().inputValue(), POLL).toBe('Typed on node A.\nMore from A.\nAnd from B.')
    await expect.poll(() => sup.drillNotes(), POLL).toBe('Typed on node A.\nMore from A.\nAnd from B.')

    // Whisper from B reaches the agent on A; the read receipt comes back to B.
    await sup.whisper('Across nodes: offer the credit.')
    await expect.poll(() => agent.whispers().innerText(), POLL).toContain('Across nodes: offer the credit.')
    await expect.poll(() => sup.whisperStatus('Across nodes: offer the credit.'), POLL).toBe('read')

    // A status change from Zoom on A shows on B's board.
    await agent.setState(id, 'wrap-up')
    await expect.poll(() => sup.rowState(id), POLL).toBe('Wrap-up')
    expect(await agent.app().getByRole('alert').allInnerTexts()).toEqual([])
    expect(await second.app().getByRole('alert').allInnerTexts()).toEqual([])
  })
})
