/**
 * A server crash, end to end: the only server process is SIGKILLed while the agent types and
 * started again on the same port and database. Nothing acknowledged is lost, edits not yet
 * acknowledged are resent by the agent app, and the supervisor's open board and engagement panel
 * recover by themselves (no reload).
 */
import { randomBytes } from 'node:crypto'
import type { Browser, BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openAgent } from './support/agent.ts'
import { Cleanup } from './support/cleanup.ts'
import { e2eEnabled, POLL } from './support/env.ts'
import type { ServerNode } from './support/server.ts'
import { openOneNodeStage } from './support/stage.ts'
import { openSupervisor } from './support/supervisor.ts'

interface Detail { engagement: { state: string }; notes: { text: string } }

describe.skipIf(!e2eEnabled('server-restart'))('server killed and restarted while the agent types', () => {
  const cleanup = new Cleanup()
  let node: ServerNode
  let browser: Browser
  const accountId = `acme-${randomBytes(3).toString('hex')}`

  beforeAll(async () => {
    const stage = await openOneNodeStage(cleanup, 'e2e-restart')
    browser = stage.browser
    node = stage.node
  }, 180_000)
  afterAll(() => cleanup.run(), 60_000)

  const newContext = (): Promise<BrowserContext> => browser.newContext({ viewport: { width: 1280, height: 800 } })

  it('loses nothing acknowledged, resends the rest, and the board recovers without a reload', async () => {
    const sup = await openSupervisor(await newContext(), node.origin, { accountId, userId: 'sup-sam', displayName: 'Sam Supervisor' })
    const agent = await openAgent(await newContext(), node.origin, { accountId, userId: 'agent-ana', displayName: 'Ana Alvarez' })
    const id = await agent.create({ consumer: { name: 'Ada Lovelace' }, queueName: 'Billing' })
    await expect.poll(() => agent.heading(), POLL).toBe('Ada Lovelace')
    await agent.type('Acknowledged before the crash.')
    await expect.poll(() => agent.status(), POLL).toBe('All changes saved')
    await expect.poll(() => sup.row(id).count(), POLL).toBe(1)
    await sup.open(id)
    await expect.poll(() => sup.drillNotes(), POLL).toBe('Acknowledged before the crash.')
    // Survives only if the page is never reloaded.
    await sup.page.evaluate(() => { (window as unknown as { e2eNoReload: boolean }).e2eNoReload = true })

    // The agent keeps typing; the server dies in the middle of it.
    const tail = '\nTyped while the server dies and comes back up.'
    const box = agent.notes()
    await box.click()
    await box.press('Control+End')
    const typing = box.pressSequentially(tail, { delay: 40 })
    await expect.poll(() => box.inputValue(), { ...POLL, interval: 20 }).toContain('while')
    await node.kill('SIGKILL')
    await typing
    const finalText = `Acknowledged before the crash.${tail}`
    expect(await box.inputValue()).toBe(finalText)
    await expect.poll(() => agent.status(), POLL).toMatch(/unsent change/)

    await node.start()
    await expect.poll(() => agent.status(), { ...POLL, timeout: 60_000 }).toBe('All changes saved')
    const detail = await sup.page.evaluate(async (eid) => {
      const r = await fetch(`/api/engagements/${encodeURIComponent(eid)}`)
      return await r.json() as Detail
    }, id)
    expect(detail.notes.text).toBe(finalText)

    // The supervisor's page reconnected by itself: panel and board are current, and stay live.
    await expect.poll(() => sup.drillNotes(), { ...POLL, timeout: 60_000 }).toBe(finalText)
    await expect.poll(() => sup.rowNotes(id), POLL).toBe('Typed while the server dies and comes back up.')
    await agent.setState(id, 'inactive')
    await expect.poll(() => sup.rowState(id), POLL).toBe('Inactive')
    await agent.type('\nBack on hold after the restart.')
    await expect.poll(() => sup.drillNotes(), POLL).toContain('Back on hold after the restart.')
    expect(await sup.page.evaluate(() => (window as unknown as { e2eNoReload?: boolean }).e2eNoReload)).toBe(true)
    expect(await agent.app().getByRole('alert').allInnerTexts()).toEqual([])
  })
})
