/**
 * The supervisor dashboard against a real server (embedded PGlite, dev sign-in) through Vite's dev
 * server, with an agent speaking the real protocol over a `ws` socket: sign-in, live board, help
 * flags, drill-in notes as the agent types, whisper delivered/read, thresholds, history search and
 * CSV link, and "Supervisors only" for an agent.
 */
import { randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import { type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { startAgentHarness, type AgentHarness } from './agent-app.harness.ts'
import { signInSupervisor } from './browser-support.ts'
import { ProtocolAgent } from './protocol-agent.ts'
import { haveChromium, launchBrowser } from '../support/chromium.ts'

const ACCOUNT = `acct-${randomUUID().slice(0, 8)}`
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

/** Serious or critical WCAG A/AA problems on the page, as `rule (count)`. */
async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE })
  return page.evaluate(async () => {
    type Node = { target: string[]; failureSummary?: string }
    const axe = (window as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<{ violations: Array<{ id: string; impact: string | null; nodes: Node[] }> }> } }).axe
    const r = await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] })
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((n) => `${n.target.join(' ')} — ${n.failureSummary ?? ''}`).join('; ')}`)
  })
}

describe.skipIf(!haveChromium)('supervisor dashboard on a real server', () => {
  let h: AgentHarness
  let browser: Browser
  let page: Page
  let agent: ProtocolAgent
  const doc = new Y.Doc()
  const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64')

  beforeAll(async () => {
    h = await startAgentHarness()
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
  })
  afterAll(async () => {
    agent?.close()
    await browser?.close()
    await h?.close()
  })

  async function typeNotes(text: string): Promise<void> {
    const sv = Y.encodeStateVector(doc)
    const t = doc.getText('notes')
    t.insert(t.length, text)
    await agent.op({ type: 'doc.update', engagementId: 'eng-1', update: b64(Y.encodeStateAsUpdate(doc, sv)) })
  }

  it('signs a supervisor in with the dev form and shows an empty live board', async () => {
    await signInSupervisor(page, h.origin, { accountId: ACCOUNT, userId: 'sup-1', name: 'Sam Supervisor' })
    // The dashboard's status line says whether the board is live (not the agent's "saved" wording).
    await expect.poll(() => page.locator('.sv-conn').getByRole('status').textContent()).toMatch(/^\s*Live\s*$/)
  })

  it('shows an agent\'s engagement live, with notes preview and a help flag in the alerts', async () => {
    agent = await ProtocolAgent.connect(h.origin, ACCOUNT, 'agent-ada', 'Ada Agent')
    const now = Date.now()
    await agent.op({
      type: 'engagement.observe', engagementId: 'eng-1', at: now,
      context: { engagementId: 'eng-1', queueId: 'q-sales', queueName: 'Sales', startTime: now - 5000, acceptTime: now - 4000 },
      status: { state: 'active', channel: 'voice', assignedAgentId: 'agent-ada', assignedAgentName: 'Ada Agent', consumers: [{ consumerDisplayName: 'Carla Consumer' }] },
    })
    const row = page.locator('table.board tbody tr[data-id="eng-1"]')
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1)
    expect(await row.textContent()).toContain('Carla Consumer')
    expect(await row.textContent()).toContain('Sales')

    await typeNotes('Customer asked for a refund of order 1234')
    await expect.poll(() => row.locator('.c-notes').textContent(), { timeout: 15_000 }).toContain('refund of order 1234')

    await agent.op({ type: 'help.set', engagementId: 'eng-1', raised: true, note: 'over my refund limit' })
    const alerts = page.getByRole('region', { name: /Alerts/ })
    await expect.poll(() => alerts.textContent()).toContain('over my refund limit')
    await expect.poll(() => row.getAttribute('data-alert')).toBe('help')
    // The roster lists the working agent, not the supervisor watching (also online).
    const roster = page.getByRole('region', { name: /^Agents/ })
    await expect.poll(() => roster.locator('tbody').textContent()).toContain('Ada Agent')
    expect(await roster.locator('tbody').textContent()).not.toContain('Sam Supervisor')
    expect(await axeViolations(page)).toEqual([])
  })

  it('drills in: notes appear as the agent types; a whisper goes delivered then read', async () => {
    await page.locator('table.board tbody tr[data-id="eng-1"]').click()
    const dialog = page.getByRole('dialog')
    await expect.poll(() => dialog.locator('.drill-notes').textContent(), { timeout: 15_000 }).toContain('refund of order 1234')
    await typeNotes('\nApproved by supervisor')
    await expect.poll(() => dialog.locator('.drill-notes').textContent()).toContain('Approved by supervisor')
    await expect.poll(() => dialog.locator('.drill-timeline').textContent()).toContain('Agent asked for help')

    await page.getByRole('textbox', { name: /Whisper to/ }).fill('Go ahead, I approve the refund')
    await page.getByRole('button', { name: 'Send whisper' }).click()
    const item = dialog.locator('.whispers li').first()
    await expect.poll(() => item.getAttribute('data-status'), { timeout: 15_000 }).toBe('delivered')

    // The agent's session gets the whisper and reads it.
    const whisper = await agent.next('engagement.events', (m) =>
      (m['events'] as { kind: string }[]).some((e) => e.kind === 'whisper'))
    const seq = (whisper['events'] as { kind: string; seq: number }[]).find((e) => e.kind === 'whisper')?.seq
    expect(seq).toBeGreaterThan(0)
    await agent.op({ type: 'whisper.read', engagementId: 'eng-1', whisperSeq: seq })
    await expect.poll(() => item.getAttribute('data-status'), { timeout: 15_000 }).toBe('read')
    expect(await axeViolations(page)).toEqual([])

    await page.keyboard.press('Escape')
    await expect.poll(() => dialog.count()).toBe(0)
  })

  it('saves alert thresholds', async () => {
    await page.getByText('Alert thresholds').click()
    await page.getByLabel(/Handle time over/).fill('12')
    await page.getByRole('button', { name: 'Save thresholds' }).click()
    await expect.poll(() => page.locator('.sv-thresholds [role="status"]').textContent()).toBe('Saved')
    const res = await page.evaluate(() => fetch('/api/settings/thresholds').then((r) => r.json()))
    expect(res).toMatchObject({ handleMs: 12 * 60_000 })
  })

  it('is current again after the server restarts, without a reload', async () => {
    agent.close()
    await h.stopServer()
    await expect.poll(() => page.getByRole('status').filter({ hasText: /Reconnecting|Offline|Connecting/ }).count(), { timeout: 15_000 }).toBeGreaterThan(0)
    await h.startServer()
    agent = await ProtocolAgent.connect(h.origin, ACCOUNT, 'agent-ada', 'Ada Agent')
    const now = Date.now()
    await agent.op({
      type: 'engagement.observe', engagementId: 'eng-2', at: now,
      context: { engagementId: 'eng-2', queueId: 'q-billing', queueName: 'Billing' },
      status: { state: 'active', channel: 'messaging', consumers: [{ consumerDisplayName: 'Dev Consumer' }] },
    })
    await expect.poll(() => page.locator('table.board tbody tr[data-id="eng-2"]').count(), { timeout: 30_000 }).toBe(1)
    expect(await page.locator('table.board tbody tr[data-id="eng-1"]').count()).toBe(1)
    await expect.poll(() => page.locator('.sv-conn').getByRole('status').textContent()).toMatch(/^\s*Live\s*$/)
    await agent.op({ type: 'engagement.status', engagementId: 'eng-2', at: Date.now(), changes: { state: 'end' } })
  })

  it('finds the closed engagement in history by words in its notes, with a CSV link for the filters', async () => {
    await agent.op({ type: 'help.set', engagementId: 'eng-1', raised: false })
    await agent.op({ type: 'engagement.status', engagementId: 'eng-1', at: Date.now(), changes: { state: 'wrap-up' } })
    await agent.op({ type: 'engagement.status', engagementId: 'eng-1', at: Date.now(), changes: { state: 'end' } })
    await expect.poll(() => page.locator('table.board tbody tr[data-id="eng-1"]').count(), { timeout: 15_000 }).toBe(0)

    await page.getByRole('button', { name: 'History' }).click()
    await page.getByLabel('Search notes').fill('refund')
    await page.getByRole('button', { name: 'Search' }).click()
    await expect.poll(() => page.evaluate(() => location.search)).toContain('q=refund')
    // Search follows the notes compaction by about a second: search again until it lands.
    await expect.poll(async () => {
      await page.getByRole('button', { name: 'Search' }).click()
      return page.locator('table.history tbody tr').count()
    }, { timeout: 20_000 }).toBe(1)
    expect(await page.locator('table.history tbody tr').textContent()).toContain('Carla Consumer')
    const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href')
    expect(href).toContain('q=refund')
    const csv = await page.evaluate((u) => fetch(u!).then((r) => r.text()), href)
    expect(csv).toContain('eng-1')

    await page.getByLabel('Search notes').fill('nothing-like-this-anywhere')
    await page.getByRole('button', { name: 'Search' }).click()
    await expect.poll(() => page.getByText('No closed engagements match these filters.').count()).toBe(1)
    expect(await axeViolations(page)).toEqual([])
  })

  it('tells an agent the dashboard is for supervisors only', async () => {
    const ctx = await browser.newContext()
    const p = await ctx.newPage()
    const res = await p.request.post(`${h.origin}/api/dev/sign-in`, {
      data: { accountId: ACCOUNT, userId: 'agent-bo', role: 'agent', displayName: 'Bo Agent' },
    })
    expect(res.ok()).toBe(true)
    await p.goto(`${h.origin}/supervisor.html`)
    await expect.poll(() => p.getByRole('heading', { name: 'Supervisors only' }).count(), { timeout: 30_000 }).toBe(1)
    expect(await p.getByRole('link', { name: 'Open the agent app' }).count()).toBe(1)
    expect(await p.locator('table.board').count()).toBe(0)
    await ctx.close()
  })
})
