/**
 * A day in the life, end to end: the built server on real Postgres, the agent in the Zoom client
 * emulator (the real `@zoom/appssdk` path), a second session of the same agent in another browser
 * context, and a supervisor on the dashboard. Colleagues (protocol SyncClients in Node) fill the
 * board. Ends with screenshots of the three pages (tests/artifacts/e2e/) and axe on them.
 */
import { randomBytes } from 'node:crypto'
import type { BrowserContext } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { openAgent, type AgentClient } from './support/agent.ts'
import { screenshot } from './support/artifacts.ts'
import { seriousViolations } from './support/axe.ts'
import { e2eEnabled, POLL } from './support/env.ts'
import { seedAgent } from './support/seed.ts'
import { openOneNodeStage, stageForFile } from './support/stage.ts'
import { openSupervisor, type SupervisorClient } from './support/supervisor.ts'

const MIN = 60_000

describe.skipIf(!e2eEnabled('day-in-the-life'))('a day in the life (agent, second session, supervisor)', () => {
  const f = stageForFile((cleanup) => openOneNodeStage(cleanup, 'e2e-day'))
  const { accountId, cleanup } = f

  // Shared by the scenario and the accessibility/screenshot checks that follow it.
  let agent: AgentClient
  let second: AgentClient
  let sup: SupervisorClient
  let first = ''
  let other = ''

  beforeAll(async () => {
    const colleagues = [
      { user: { accountId, userId: 'agent-bo', displayName: 'Bo Chen' }, engagements: [
        { id: `eng-${randomBytes(4).toString('hex')}`, consumer: 'Marta Kowalski', channel: 'voice' as const, queueName: 'Billing', state: 'active' as const, notes: 'Card declined twice.\nOffered to retry with the backup card.', startedAgoMs: 7 * MIN },
      ] },
      { user: { accountId, userId: 'agent-cy', displayName: 'Cy Okafor' }, engagements: [
        { id: `eng-${randomBytes(4).toString('hex')}`, consumer: 'Jon Snow', channel: 'messaging' as const, queueName: 'Technical support', state: 'active' as const, notes: 'Router reboots every hour.\nFirmware 2.1 installed, monitoring.', startedAgoMs: 12 * MIN },
        { id: `eng-${randomBytes(4).toString('hex')}`, consumer: 'Priya Natarajan', channel: 'email' as const, queueName: 'Returns', state: 'inactive' as const, notes: 'Waiting for the courier tracking number.', startedAgoMs: 31 * MIN },
      ] },
      { user: { accountId, userId: 'agent-di', displayName: 'Di Rossi' }, engagements: [
        { id: `eng-${randomBytes(4).toString('hex')}`, consumer: 'Lee Park', channel: 'video' as const, queueName: 'Onboarding', state: 'wrap-up' as const, notes: 'Walked through the account set-up.\nFollow-up call booked for Friday.', startedAgoMs: 18 * MIN },
      ] },
    ]
    for (const c of colleagues) {
      const seeded = await seedAgent(f.stage.node.origin, c.user, c.engagements)
      cleanup.add(`close ${c.user.userId}`, () => seeded.close())
    }
  }, 60_000)

  const newContext = (width: number, height: number): Promise<BrowserContext> =>
    f.newContext({ viewport: { width, height }, colorScheme: 'light', locale: 'en-US', timezoneId: 'UTC' })

  it('takes two engagements, switches, wraps one up; the second session and the supervisor follow live; whisper read', async () => {
    sup = await openSupervisor(await newContext(1280, 800), f.stage.node.origin, f.sam)
    await expect.poll(async () => (await sup.rowIds()).length, POLL).toBe(4)

    agent = await openAgent(await newContext(1280, 800), f.stage.node.origin, f.ana)
    first = await agent.take({ consumer: { name: 'Ada Lovelace', number: '+1 555 0100' }, queueName: 'Billing', channel: 'voice' })
    // The board gains the row as soon as the app reports the engagement.
    await expect.poll(() => sup.row(first).count(), POLL).toBe(1)
    expect(await sup.rowState(first)).toBe('Active')

    await agent.typeSaved('Double charge on invoice 2291.')
    await expect.poll(() => sup.rowNotes(first), POLL).toBe('Double charge on invoice 2291.')

    // The same agent in a second Zoom client (another browser profile) on the same engagement.
    second = await openAgent(await newContext(1280, 1000), f.stage.node.origin, f.ana)
    await second.create({ id: first, consumer: { name: 'Ada Lovelace', number: '+1 555 0100' }, queueName: 'Billing', channel: 'voice' })
    await expect.poll(() => second.notes().inputValue(), POLL).toBe('Double charge on invoice 2291.')

    // A second engagement arrives and Zoom switches to it.
    other = await agent.take({ consumer: { name: 'Grace Hopper', email: 'grace@example.com' }, queueName: 'Technical support', channel: 'messaging' })
    expect(await agent.notes().inputValue()).toBe('')
    await agent.type('Cannot sign in after the password reset.')
    await expect.poll(() => agent.others().innerText(), POLL).toContain('Ada Lovelace')
    await expect.poll(() => sup.rowNotes(other), POLL).toBe('Cannot sign in after the password reset.')

    // Back to the first: its notes are there at once; more typing reaches the other session live.
    await agent.focus(first)
    await expect.poll(() => agent.heading(), POLL).toBe('Ada Lovelace')
    expect(await agent.notes().inputValue()).toBe('Double charge on invoice 2291.')
    await agent.type('\nRefund of $42.10 approved.')
    await expect.poll(() => second.notes().inputValue(), POLL).toBe('Double charge on invoice 2291.\nRefund of $42.10 approved.')

    // The supervisor opens the engagement and watches the notes appear.
    await sup.open(first)
    await expect.poll(() => sup.drillNotes(), POLL).toContain('Refund of $42.10 approved.')
    await agent.type('\nCustomer asks for an email confirmation.')
    await expect.poll(() => sup.drillNotes(), POLL).toContain('Customer asks for an email confirmation.')
    await expect.poll(() => sup.rowNotes(first), POLL).toBe('Customer asks for an email confirmation.')

    // Whisper: the agent sees it on screen, which sends a read receipt the supervisor sees.
    await sup.whisper('Offer the 10% loyalty credit too.')
    await expect.poll(() => agent.whispers().innerText(), POLL).toContain('Offer the 10% loyalty credit too.')
    await expect.poll(() => sup.whisperStatus('Offer the 10% loyalty credit too.'), POLL).toBe('read')
    await expect.poll(() => agent.whispers().innerText(), POLL).toContain('Read')

    // The second engagement goes to wrap-up, gets a summary, and ends.
    await agent.focus(other)
    await expect.poll(() => agent.heading(), POLL).toBe('Grace Hopper')
    await agent.setState(other, 'wrap-up')
    await expect.poll(() => sup.rowState(other), POLL).toBe('Wrap-up')
    const summary = agent.app().getByRole('textbox', { name: 'Summary' })
    await summary.fill('Reset the account lock; customer signed in.')
    await summary.press('Tab')
    await expect.poll(() => agent.status(), POLL).toBe('All changes saved')
    await agent.setState(other, 'end')
    await expect.poll(() => sup.row(other).count(), POLL).toBe(0)
    await agent.focus(first)
    await expect.poll(() => agent.heading(), POLL).toBe('Ada Lovelace')
    await expect.poll(() => agent.others().count(), POLL).toBe(0)

    // What was saved is what the server holds (REST detail, read by the supervisor's session).
    const detail = await sup.engagement(other)
    expect(detail?.engagement.state).toBe('end')
    expect(detail?.notes.text).toBe('Cannot sign in after the password reset.')
    expect(detail?.notes.wrapup.summary).toBe('Reset the account lock; customer signed in.')
    expect(await sup.rowState(first)).toBe('Active')
    // Nothing went wrong on the way: no error shown to either session of the agent.
    expect(await agent.app().getByRole('alert').allInnerTexts()).toEqual([])
    expect(await second.app().getByRole('alert').allInnerTexts()).toEqual([])
  })

  it('takes an engagement and its first notes in one burst (an outbox resent after a reconnect), and the board shows them', async () => {
    expect(sup, 'the scenario above opened the board').toBeDefined()
    const [id, id2] = [`eng-${randomBytes(4).toString('hex')}`, `eng-${randomBytes(4).toString('hex')}`]
    const seeded = await seedAgent(f.stage.node.origin, { accountId, userId: 'agent-eve', displayName: 'Eve Moreau' }, [
      { id, consumer: 'Tom Baker', channel: 'voice', queueName: 'Billing', state: 'active', notes: 'Typed before the reconnect.', startedAgoMs: 2 * MIN },
      { id: id2, consumer: 'Ann Lee', channel: 'email', queueName: 'Returns', state: 'inactive', notes: 'Label sent.', startedAgoMs: 3 * MIN },
    ], { burst: true, timeoutMs: 15_000 })
    cleanup.add('close agent-eve', () => seeded.close())
    await expect.poll(() => sup.rowNotes(id), POLL).toBe('Typed before the reconnect.')
    await expect.poll(() => sup.rowNotes(id2), POLL).toBe('Label sent.')
    // Postgres was up all along: no op may have been answered as if it were down.
    expect(f.stage.node.output()).not.toMatch(/database unreachable|hot doc missing/)
  })

  // Before axe, whose frame messages would show in the emulator's traffic log.
  it('saves screenshots of the three pages', async () => {
    expect(agent, 'the scenario above opened the pages').toBeDefined()
    await sup.page.keyboard.press('Escape')
    await expect.poll(() => sup.drill().count(), POLL).toBe(0)
    await sup.page.mouse.move(0, 0)
    await sup.page.evaluate(() => { if (document.activeElement instanceof HTMLElement) document.activeElement.blur() })
    await screenshot(sup.page, 'supervisor', 'supervisor.png')
    await sup.open(first)
    await expect.poll(() => sup.drillNotes(), POLL).toContain('email confirmation')
    await screenshot(sup.page, 'supervisor-drill-in')

    const toTop = (): Promise<void> => agent.app().evaluate(() => {
      if (document.activeElement instanceof HTMLElement) document.activeElement.blur()
      window.scrollTo(0, 0)
    })
    await agent.page.evaluate(() => { if (document.activeElement instanceof HTMLElement) document.activeElement.blur() })
    await toTop()
    await screenshot(agent.page, 'emulator', 'emulator.png')
    // The agent panel as tall as Zoom's side panel usually is.
    await agent.page.setViewportSize({ width: 1280, height: 1120 })
    await toTop()
    await screenshot(agent.page.locator('iframe[title="Agent app"]'), 'agent', 'agent.png')
    await agent.page.setViewportSize({ width: 1280, height: 800 })
  })

  it('has no serious or critical accessibility violations on the agent, supervisor and emulator pages', async () => {
    expect(agent, 'the scenario above opened the pages').toBeDefined()
    const found = {
      agentApp: await seriousViolations(agent.app()),
      emulator: await seriousViolations(agent.page),
      supervisorWithEngagementOpen: await seriousViolations(sup.page),
      supervisorBoard: [] as string[],
    }
    await sup.page.keyboard.press('Escape')
    await expect.poll(() => sup.drill().count(), POLL).toBe(0)
    found.supervisorBoard = await seriousViolations(sup.page)
    expect(found).toEqual({ agentApp: [], emulator: [], supervisorWithEngagementOpen: [], supervisorBoard: [] })
  })
})
