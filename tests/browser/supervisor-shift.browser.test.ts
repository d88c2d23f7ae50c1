/**
 * The supervisor dashboard through a shift's rough edges, against a real server (embedded PGlite,
 * dev sign-in) at a 1280 px window: a help request arriving while the supervisor reads another
 * engagement, an agent switching back and forth, a closed engagement, a wrap-up finished at once,
 * and text too long for its column. Agents speak the real protocol over `ws`.
 */
import { randomUUID } from 'node:crypto'
import type { Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { startAgentHarness, type AgentHarness } from './agent-app.harness.ts'
import { eraseAsAdmin } from './browser-support.ts'
import { ProtocolAgent } from './protocol-agent.ts'
import { browserForFile, haveChromium } from '../support/chromium.ts'

const ACCOUNT = `acct-${randomUUID().slice(0, 8)}`
const POLL = { timeout: 20_000, interval: 100 }
const LONG_QUEUE = 'Premium customers — billing disputes, refunds and chargebacks (EMEA)'

/** Inside the viewport and not covered by anything at its centre. */
function inView(el: Locator): Promise<boolean> {
  return el.evaluate((e) => {
    const r = e.getBoundingClientRect()
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)
    return r.width > 0 && r.top >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth && hit !== null && e.contains(hit)
  })
}

/** Cells whose text does not fit and that do not carry it whole in their title. */
function cutWithoutTitle(page: Page, table: string): Promise<string[]> {
  return page.$$eval(`${table} tbody tr:not(.spacer) td`, (tds) => tds
    .filter((td) => td.scrollWidth > td.clientWidth + 1)
    .filter((td) => (td.getAttribute('title') ?? '') !== (td.textContent ?? '').trim())
    .map((td) => (td.textContent ?? '').trim()))
}

describe.skipIf(!haveChromium)('supervisor dashboard through a shift (1280 px)', () => {
  const chromium = browserForFile()
  let h: AgentHarness
  let page: Page
  let ada: ProtocolAgent
  let bo: ProtocolAgent
  const [A, A2, B] = ['eng-ada-1', 'eng-ada-2', 'eng-bo-1'].map((id) => `${id}-${randomUUID().slice(0, 6)}`) as [string, string, string]
  const docs = new Map<string, Y.Doc>()

  async function type(agent: ProtocolAgent, engagementId: string, text: string): Promise<void> {
    const doc = docs.get(engagementId) ?? new Y.Doc()
    docs.set(engagementId, doc)
    const sv = Y.encodeStateVector(doc)
    const t = doc.getText('notes')
    t.insert(t.length, text)
    await agent.op({ type: 'doc.update', engagementId, update: Buffer.from(Y.encodeStateAsUpdate(doc, sv)).toString('base64') })
  }

  const row = (id: string) => page.locator(`table.board tbody tr[data-id="${id}"]`)
  const dialog = () => page.getByRole('dialog')

  beforeAll(async () => {
    h = await startAgentHarness()
    page = await chromium.browser.newPage({ viewport: { width: 1280, height: 800 } })
    await page.goto(`${h.origin}/supervisor.html`)
    await page.getByLabel('Account').fill(ACCOUNT)
    await page.getByLabel('User id').fill('sup-1')
    await page.getByLabel('Name').fill('Sam Supervisor')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByText('No live engagements.').waitFor({ timeout: 60_000 })

    ada = await ProtocolAgent.connect(h.origin, ACCOUNT, 'agent-ada', 'Ada Agent')
    bo = await ProtocolAgent.connect(h.origin, ACCOUNT, 'agent-bo', 'Bo Agent')
    await ada.observe(A, { agentId: 'agent-ada', agentName: 'Ada Agent', consumer: 'Carla Consumer', queueName: LONG_QUEUE })
    await ada.observe(A2, { agentId: 'agent-ada', agentName: 'Ada Agent', consumer: 'Dan Quick', queueName: 'Sales' })
    await bo.observe(B, { agentId: 'agent-bo', agentName: 'Bo Agent', consumer: 'Erin Escalation', queueName: 'Billing' })
    await type(ada, A, 'Customer asks why the March invoice doubled; two identical charges on the card statement, wants both explained.')
    await page.waitForFunction(() => document.querySelectorAll('table.board tbody tr[data-id]').length === 3, undefined, { timeout: 20_000 })
  }, 120_000)
  afterAll(async () => {
    ada?.close()
    bo?.close()
    await h?.close()
  })

  it('keeps a help request from another agent in view, and announced, while drilling into an engagement', async () => {
    await row(A).click()
    await expect.poll(() => dialog().isVisible(), POLL).toBe(true)
    await bo.op({ type: 'help.set', engagementId: B, raised: true, note: 'wants a manager' })

    const others = dialog().getByRole('region', { name: /Alerts on other engagements/ })
    const help = others.getByRole('button', { name: /Help: Bo Agent/ })
    await expect.poll(() => help.count(), POLL).toBe(1)
    expect(await inView(help)).toBe(true)
    expect(await others.textContent()).toContain('1 new')
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'New help request from Bo Agent' }).count(), POLL).toBe(1)

    await help.click()
    await expect.poll(() => dialog().getByRole('heading', { level: 2 }).textContent(), POLL).toContain('Erin Escalation')
    await page.keyboard.press('Escape')
    await expect.poll(() => dialog().count(), POLL).toBe(0)
  })

  it('folds the agent switching back and forth and typing into one timeline line', async () => {
    for (const id of [A, A2, A, A2, A]) {
      await ada.op({ type: 'engagement.focus', engagementId: id, at: Date.now() })
      if (id === A) await type(ada, A, ' More.')
    }
    await row(A).click()
    const timeline = dialog().locator('.drill-timeline')
    await expect.poll(() => timeline.innerText(), POLL).toContain('Notes edited (4 changes) · Agent switched to this engagement 3 times')
    expect(await timeline.locator('li', { hasText: 'Agent switched to this engagement' }).count()).toBe(1)
    await page.keyboard.press('Escape')
    await expect.poll(() => dialog().count(), POLL).toBe(0)
  })

  it('shows a wrap-up finished within a second as <0:01, no whisper box on the closed engagement, and a complete CSV and search at once', async () => {
    await type(ada, A2, 'Upgraded to the annual plan.')
    await ada.op({ type: 'engagement.status', engagementId: A2, changes: { state: 'wrap-up' }, at: Date.now() })
    const doc = docs.get(A2)!
    const sv = Y.encodeStateVector(doc)
    doc.getMap('wrapup').set('disposition', 'Sale')
    doc.getMap('wrapup').set('summary', 'Annual plan, 12 seats')
    await ada.op({ type: 'doc.update', engagementId: A2, update: Buffer.from(Y.encodeStateAsUpdate(doc, sv)).toString('base64') })
    await ada.op({ type: 'engagement.status', engagementId: A2, changes: { state: 'end' }, at: Date.now() })
    // Exported right after it ended: notes and wrap-up are there already (no compaction delay).
    const csv = await page.evaluate(async () => (await fetch('/api/engagements/export.csv?state=closed')).text())
    const line = csv.split('\r\n').find((l) => l.startsWith(A2)) ?? ''
    expect(line).toContain('Upgraded to the annual plan.')
    expect(line).toContain('Annual plan, 12 seats')
    expect(line).toContain('Sale')
    // Found by words of its notes at once too (the search entry is written with the end).
    const found = await page.evaluate(async () => (await (await fetch('/api/engagements?state=closed&q=annual')).json()) as { items: Array<{ id: string }> })
    expect(found.items.map((e) => e.id)).toContain(A2)
    await expect.poll(() => row(A2).count(), POLL).toBe(0)

    await page.getByRole('button', { name: 'History' }).click()
    const closed = page.locator('table.history tbody tr', { hasText: 'Dan Quick' })
    await expect.poll(() => closed.count(), POLL).toBe(1)
    const cells = await closed.locator('td').allInnerTexts()
    expect(cells[6]).toBe('<0:01')

    await closed.click()
    await expect.poll(() => dialog().locator('.drill-facts').textContent(), POLL).toContain('Ended')
    expect(await dialog().getByRole('textbox', { name: /Whisper to/ }).count()).toBe(0)
    expect(await dialog().getByRole('button', { name: 'Send whisper' }).count()).toBe(0)
    expect(await dialog().locator('.drill-facts').textContent()).toContain('Wrap-up<0:01')
    await page.keyboard.press('Escape')
    await expect.poll(() => dialog().count(), POLL).toBe(0)
  })

  it('drops an engagement erased while drilled into it: the panel says so, its notes go, its row leaves the board', async () => {
    await page.getByRole('button', { name: /Live board/ }).click()
    const E = `eng-bo-erased-${randomUUID().slice(0, 6)}`
    await bo.observe(E, { agentId: 'agent-bo', agentName: 'Bo Agent', consumer: 'Fay Forget', queueName: 'Billing' })
    await type(bo, E, 'Card ending 4242, wants it removed.')
    await expect.poll(() => row(E).count(), POLL).toBe(1)
    await row(E).click()
    const notes = dialog().getByRole('textbox', { name: /Notes/ })
    await expect.poll(() => notes.textContent(), POLL).toContain('Card ending 4242')

    await eraseAsAdmin(h.origin, ACCOUNT, E)
    await expect.poll(() => dialog().getByRole('alert').textContent(), POLL).toContain('This engagement was erased')
    expect(await dialog().textContent()).not.toContain('Card ending 4242')
    expect(await dialog().textContent()).not.toContain('Fay Forget')
    await expect.poll(() => row(E).count(), POLL).toBe(0)
    await page.keyboard.press('Escape')
    await expect.poll(() => dialog().count(), POLL).toBe(0)
  })

  it('gives every cell cut at 1280 px its whole text as a title', async () => {
    await page.getByRole('button', { name: /Live board/ }).click()
    await expect.poll(() => row(A).count(), POLL).toBe(1)
    // The long queue name and notes really are cut here, so the check below is not empty.
    expect(await row(A).locator('td', { hasText: 'Premium customers' }).evaluate((td) => td.scrollWidth > td.clientWidth)).toBe(true)
    expect(await cutWithoutTitle(page, 'table.board')).toEqual([])

    await ada.op({ type: 'engagement.status', engagementId: A, changes: { state: 'end' }, at: Date.now() })
    await page.getByRole('button', { name: 'History' }).click()
    await expect.poll(() => page.locator('table.history tbody tr', { hasText: 'Carla Consumer' }).count(), POLL).toBe(1)
    expect(await cutWithoutTitle(page, 'table.history')).toEqual([])
  })
})
