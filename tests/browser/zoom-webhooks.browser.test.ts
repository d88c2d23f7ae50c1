/**
 * The Zoom client emulator sending signed Zoom webhooks to a real server (embedded PGlite, dev
 * sign-in, the development Secret Token the server generates), seen on the real supervisor
 * dashboard in Chromium: an engagement whose agent has no app open is live on the board, marked
 * as known from Zoom only, and leaves when it ends; the agent's Contact Center status from the
 * emulator's control is on the roster beside "app closed".
 */
import { randomUUID } from 'node:crypto'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAgentHarness, type AgentHarness } from './agent-app.harness.ts'
import { browserForFile } from '../support/chromium.ts'
import { haveChromium, signInSupervisor } from './browser-support.ts'

const ACCOUNT = `acct-${randomUUID().slice(0, 8)}`

describe.skipIf(!haveChromium)('emulator → signed Zoom webhooks → supervisor dashboard', () => {
  const chromium = browserForFile()
  let h: AgentHarness
  let emulator: Page
  let board: Page

  beforeAll(async () => {
    h = await startAgentHarness()
    // Two contexts: the agent's cookie and the supervisor's do not mix.
    emulator = await (await chromium.browser.newContext()).newPage()
    board = await (await chromium.browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage()
  })
  afterAll(async () => {
    await h?.close()
  })

  it('signs the supervisor in and the agent in the emulator, with no agent app running', async () => {
    await signInSupervisor(board, h.origin, { accountId: ACCOUNT, userId: 'sup-1', name: 'Sam Supervisor' })

    // The emulator hosts a page that is not the agent app: only Zoom's webhooks tell the server.
    await emulator.goto(`${h.origin}/simulator.html?app=/api/dev/status`)
    await emulator.waitForFunction(() => window.zoomEmulator !== undefined, undefined, { timeout: 60_000 })
    await emulator.evaluate((account) => window.zoomEmulator!.signIn({ accountId: account, userId: 'agent-zed', displayName: 'Zed Agent' }), ACCOUNT)
    await emulator.evaluate(() => window.zoomEmulator!.webhooks.loaded)
    expect(await emulator.evaluate(() => window.zoomEmulator!.webhooks.unavailable())).toBeNull()
    await expect.poll(() => emulator.getByRole('checkbox', { name: /Send Zoom webhooks/ }).isChecked()).toBe(true)
  })

  it('an engagement created in the emulator is live on the board, marked Zoom only, and leaves when it ends', async () => {
    const id = await emulator.evaluate(() => window.zoomEmulator!.createEngagement({
      id: 'eng-zoom-1', channel: 'messaging', source: 'messaging_webChat', queueId: 'q-bill', queueName: 'Billing', consumer: { name: 'Quinn Consumer' },
    }))
    await emulator.evaluate(() => window.zoomEmulator!.webhooks.settled())
    const sent = await emulator.evaluate(() => window.zoomEmulator!.webhooks.log())
    expect(sent.map((s) => `${s.event} ${s.status} ${s.outcome}`)).toEqual([
      'engagement_started 200 accepted', 'engagement_user_answered 200 accepted',
    ])
    const row = board.locator(`table.board tbody tr[data-id="${id}"]`)
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1)
    const text = await row.textContent()
    expect(text).toContain('Zoom only')
    expect(text).toContain('Zed Agent')
    expect(text).toContain('Quinn Consumer')
    expect(text).toContain('Billing')
    expect(await row.locator('.c-state').textContent()).toContain('Active')

    await emulator.evaluate((eid) => window.zoomEmulator!.setStatus(eid, { state: 'inactive' }), id)
    await expect.poll(() => row.locator('.c-state').textContent(), { timeout: 15_000 }).toContain('Inactive')
    await emulator.evaluate((eid) => window.zoomEmulator!.setStatus(eid, { state: 'end' }), id)
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(0)
  })

  it('the agent status control reaches the roster, beside the app being closed', async () => {
    await emulator.evaluate(() => window.zoomEmulator!.webhooks.setLoggedIn(true))
    await emulator.getByLabel("Agent's Contact Center status").selectOption({ label: 'Not Ready: Meal' })
    await emulator.evaluate(() => window.zoomEmulator!.webhooks.settled())
    const roster = board.getByRole('region', { name: /^Agents/ })
    const zed = roster.locator('tbody tr', { hasText: 'Zed Agent' })
    await expect.poll(() => zed.textContent(), { timeout: 15_000 }).toContain('Not Ready · Meal')
    // No app session: the App column says 0.
    expect((await zed.locator('td').nth(2).textContent())?.trim()).toBe('0')
    await emulator.getByLabel("Agent's Contact Center status").selectOption({ label: 'Ready' })
    await expect.poll(() => zed.textContent(), { timeout: 15_000 }).toMatch(/Ready(?! ·)/)
  })
})
