/**
 * Two server processes on one Postgres, end to end: the agent works on node A; the supervisor and
 * the agent's second session are on node B. Each origin gets its own dev sign-in (same account and
 * user ids); both nodes share the session secret and allow each other's origin, as behind a load
 * balancer. Everything crosses nodes through Postgres (LISTEN/NOTIFY).
 */
import { randomBytes } from 'node:crypto'
import type { Browser, BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openAgent } from './support/agent.ts'
import { Cleanup } from './support/cleanup.ts'
import { e2eEnabled, POLL } from './support/env.ts'
import { freePort, ServerNode } from './support/server.ts'
import { openStage } from './support/stage.ts'
import { openSupervisor } from './support/supervisor.ts'

describe.skipIf(!e2eEnabled('two-nodes'))('two server nodes on one Postgres', () => {
  const cleanup = new Cleanup()
  let nodeA: ServerNode
  let nodeB: ServerNode
  let browser: Browser
  const accountId = `acme-${randomBytes(3).toString('hex')}`
  const agentUser = { accountId, userId: 'agent-ana', displayName: 'Ana Alvarez' }

  beforeAll(async () => {
    const { build, db, sessionSecret, ...stage } = await openStage(cleanup)
    browser = stage.browser
    const [portA, portB] = [await freePort(), await freePort()]
    const origins = [`http://127.0.0.1:${portA}`, `http://127.0.0.1:${portB}`]
    const common = { databaseUrl: db.url, sessionSecret, allowedOrigins: origins }
    nodeA = new ServerNode(build, portA, { ...common, nodeId: 'e2e-node-a' })
    nodeB = new ServerNode(build, portB, { ...common, nodeId: 'e2e-node-b' })
    cleanup.add('stop node A', () => nodeA.close())
    cleanup.add('stop node B', () => nodeB.close())
    // One after the other: both migrate the same database on boot.
    await nodeA.start()
    await nodeB.start()
  }, 180_000)
  afterAll(() => cleanup.run(), 60_000)

  const newContext = (): Promise<BrowserContext> => browser.newContext({ viewport: { width: 1280, height: 800 } })

  it('agent on A; supervisor and second session on B see and answer everything live', async () => {
    const sup = await openSupervisor(await newContext(), nodeB.origin, { accountId, userId: 'sup-sam', displayName: 'Sam Supervisor' })
    const agent = await openAgent(await newContext(), nodeA.origin, agentUser)
    const id = await agent.create({ consumer: { name: 'Ada Lovelace' }, queueName: 'Billing' })
    await expect.poll(() => agent.heading(), POLL).toBe('Ada Lovelace')
    await expect.poll(() => sup.row(id).count(), POLL).toBe(1)
    expect(await sup.rowState(id)).toBe('Active')

    await agent.type('Typed on node A.')
    await expect.poll(() => agent.status(), POLL).toBe('All changes saved')
    await expect.poll(() => sup.rowNotes(id), POLL).toBe('Typed on node A.')
    await sup.open(id)
    await expect.poll(() => sup.drillNotes(), POLL).toBe('Typed on node A.')

    // The agent's second Zoom client, served by node B, on the same engagement.
    const second = await openAgent(await newContext(), nodeB.origin, agentUser)
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
