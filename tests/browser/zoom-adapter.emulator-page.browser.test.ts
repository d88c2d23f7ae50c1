/**
 * The emulator page itself (simulator.html, built by Vite with its Svelte UI), driven by keyboard
 * and accessible names, hosting the adapter probe page (`?app=/child.html`) that runs the real
 * Zoom SDK, adapter and engagement cache. Also runs axe-core over the page.
 */
import { createRequire } from 'node:module'
import { type Browser, type Frame, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from './zoom-adapter.harness.ts'
import { CHROMIUM, haveChromium, launchBrowser } from '../support/chromium.ts'

if (!haveChromium) process.stderr.write(`[zoom-emulator-page] skipped: no Chromium at ${CHROMIUM} (set CHROMIUM_PATH).\n`)


describe.skipIf(!haveChromium)('Zoom client emulator page', () => {
  let harness: Harness
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    harness = await startHarness({ simulator: true })
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await harness?.close()
  })
  beforeEach(async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await page.goto(`${harness.origin}/simulator.html?app=/child.html`)
    await page.waitForFunction(() => window.zoomEmulator !== undefined)
    await page.evaluate(() => window.zoomEmulator!.ready)
  })
  afterEach(async () => { await page.close() })

  function app(): Frame {
    const frame = page.frames().find((f) => new URL(f.url()).pathname === '/child.html')
    if (!frame) throw new Error('the app frame is not loaded')
    return frame
  }
  const snapshot = () => app().evaluate(() => window.zoomProbe.snapshot())

  it('signs the emulated Zoom user in: the server makes the app context, the Home URL request carries it, the frame shares the cookie', async () => {
    await page.getByLabel('Account id').fill('acct-7')
    await page.getByLabel('User id').fill('agent-7')
    await page.getByLabel('Display name').fill('Ann Agent')
    await page.getByRole('button', { name: 'Sign in to Zoom as this user' }).click()
    await expect.poll(() => harness.appContexts.at(-1)).toEqual({ accountId: 'acct-7', userId: 'agent-7', displayName: 'Ann Agent' })
    expect(harness.appContexts).toContainEqual({ accountId: 'acct-7', userId: 'agent-7', displayName: 'Ann Agent', connected: true })
    await page.evaluate(() => window.zoomEmulator!.ready)
    expect(harness.homeHeaders.at(-1)).toBe(`ctx-${harness.appContexts.length}`)
    await expect.poll(() => app().evaluate(() => document.cookie)).toContain('sb_session=test-session')
    // getAppContext answers a fresh context from the server, as Zoom makes one per call.
    const context = await app().evaluate(() => window.zoomProbe.call('getAppContext'))
    expect(context).toEqual({ ok: `ctx-${harness.appContexts.length}` })
  })

  it('creates, switches and moves engagements from the keyboard, and the app follows', async () => {
    // Create with Enter from the consumer name field.
    await page.getByLabel('Name', { exact: true }).fill('Ada Lovelace')
    await page.getByLabel('Name', { exact: true }).press('Enter')
    await expect.poll(async () => (await snapshot()).focusedId).not.toBeNull()
    const first = (await snapshot()).focusedId as string
    await expect.poll(async () => (await snapshot()).byId[first]?.status.consumers?.[0]?.consumerDisplayName).toBe('Ada Lovelace')
    // The page catches up with the emulator when the main thread is idle (the app comes first).
    await expect.poll(() => page.getByRole('heading', { name: /Ada Lovelace/ }).isVisible()).toBe(true)

    await page.getByLabel('Channel', { exact: true }).selectOption('messaging')
    await page.getByLabel('Name', { exact: true }).fill('Bo Chat')
    await page.getByRole('button', { name: 'Create engagement' }).press('Enter')
    await expect.poll(async () => (await snapshot()).focusedId).not.toBe(first)
    const second = (await snapshot()).focusedId as string
    await expect.poll(async () => (await snapshot()).byId[second]?.status.channel).toBe('messaging')

    // Move the first (not on screen) to wrap-up: the app merges it under its own id.
    const firstStates = page.getByRole('group', { name: 'Status of Ada Lovelace' })
    await firstStates.getByRole('button', { name: 'Wrap-up' }).focus()
    await page.keyboard.press('Enter')
    await expect.poll(async () => (await snapshot()).byId[first]?.status.state).toBe('wrap-up')
    expect((await snapshot()).focusedId).toBe(second)
    await expect.poll(() => firstStates.getByRole('button', { name: 'Wrap-up' }).getAttribute('aria-pressed')).toBe('true')

    await page.getByRole('button', { name: 'Switch to Ada Lovelace' }).press('Enter')
    await expect.poll(async () => (await snapshot()).focusedId).toBe(first)

    // Variables for the engagement on screen reach the app.
    await page.getByText('Channel and variables').first().click()
    await page.getByLabel('Account number of Ada Lovelace').fill('ACC-42')
    await page.getByRole('button', { name: 'Set variables of Ada Lovelace' }).click()
    await expect.poll(async () => (await snapshot()).byId[first]?.variables['var-account-number']?.value).toBe('ACC-42')

    // End: Zoom hides the app (the emulator says so), the app keeps the data.
    await firstStates.getByRole('button', { name: 'End' }).click()
    await expect.poll(async () => (await snapshot()).byId[first]?.status.state).toBe('end')
    await expect.poll(() => page.getByRole('note').filter({ hasText: 'Zoom hides the app' }).isVisible()).toBe(true)

    const log = page.getByRole('log', { name: 'Bridge traffic' })
    await expect.poll(() => log.textContent()).toContain('onEngagementStatusChange')
    expect(await log.textContent()).toContain('getEngagementStatus')
  })

  it('creates an engagement under a typed id and confirms it next to the button, in view', async () => {
    await page.getByLabel('Engagement id').fill('eng-from-the-other-window')
    await page.getByLabel('Name', { exact: true }).fill('Cy Second')
    await page.getByRole('button', { name: 'Create engagement' }).click()
    await expect.poll(async () => (await snapshot()).focusedId).toBe('eng-from-the-other-window')
    const outcome = page.getByRole('status').filter({ hasText: 'Created' })
    expect(await outcome.textContent()).toContain('Created eng-from-the-other-window, on screen.')
    const box = await outcome.boundingBox()
    const viewport = page.viewportSize()!
    expect(box, 'the confirmation is rendered').not.toBeNull()
    expect(box!.y).toBeGreaterThanOrEqual(0)
    expect(box!.y + box!.height).toBeLessThanOrEqual(viewport.height)
    // The same id again is refused with a reason, in the same place.
    await page.getByLabel('Engagement id').fill('eng-from-the-other-window')
    await page.getByRole('button', { name: 'Create engagement' }).click()
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'already exists' }).count()).toBe(1)
  })

  it('sets the client version and the APIs the client lacks from the page; config reports them', async () => {
    const client = page.getByRole('region', { name: 'Zoom client' })
    await client.getByLabel('Client version').fill('6.1.0')
    await client.getByRole('checkbox', { name: 'getEngagementVariableValue' }).check()
    await client.getByRole('checkbox', { name: 'onEngagementVariableValueChange' }).check()
    await client.getByRole('button', { name: 'Apply and reload the app' }).click()
    await page.evaluate(() => window.zoomEmulator!.ready)
    await expect.poll(() => app().evaluate(() => window.zoomProbe.unsupported()))
      .toEqual(['getEngagementVariableValue', 'onEngagementVariableValueChange'])
    await expect.poll(() => page.getByText(/The app has configured the SDK/).textContent()).toContain('client 6.1.0, SDK 0.16')
    expect(await page.evaluate(() => window.zoomEmulator!.clientSettings())).toEqual({
      clientVersion: '6.1.0', runningContext: 'inContactCenter', unsupported: ['getEngagementVariableValue', 'onEngagementVariableValueChange'],
    })
  })

  it('says the app did not load when a reload fails offline, and configured once it loads again', async () => {
    const line = page.locator('.app-status')
    await expect.poll(() => line.textContent()).toContain('The app has configured the SDK')
    await page.context().setOffline(true)
    await page.getByRole('button', { name: 'Reload agent app' }).click()
    await expect.poll(() => line.textContent()).toContain('The agent app did not load')
    expect(await page.evaluate(() => window.zoomEmulator!.appStatus())).toBe('failed')
    await page.context().setOffline(false)
    await page.getByRole('button', { name: 'Reload agent app' }).click()
    await expect.poll(() => line.textContent()).toContain('The app has configured the SDK')
  })

  it('has no serious accessibility violations', async () => {
    await page.evaluate(() => window.zoomEmulator!.createEngagement({ consumer: { name: 'Ada' }, queueName: 'Billing' }))
    const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
    await page.addScriptTag({ path: axePath })
    const violations = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }> } }).axe
      const result = await axe.run({ exclude: [['iframe']] }, { resultTypes: ['violations'] })
      return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.nodes.length})`)
    })
    expect(violations).toEqual([])
  })
})
