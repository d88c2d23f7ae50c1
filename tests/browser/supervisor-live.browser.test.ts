/**
 * The supervisor dashboard against a real server (embedded PGlite, dev sign-in) through Vite's dev
 * server, with an agent speaking the real protocol over a `ws` socket: sign-in, live board, help
 * flags, drill-in notes as the agent types, whisper delivered/read, thresholds, history search and
 * CSV link, and "Supervisors only" for an agent.
 */
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { PROTOCOL_VERSION } from '@switchboard/protocol'
import { startAgentHarness, type AgentHarness } from './agent-app.harness.ts'

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
const haveChromium = existsSync(CHROMIUM)
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--no-first-run', '--disable-quic', '--disable-sync',
]
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

type Msg = Record<string, unknown> & { type: string }

/** An agent session on the real protocol: hello, then ops; records every frame. */
class Agent {
  readonly received: Msg[] = []
  #ws!: WebSocket

  static async connect(origin: string, userId: string, name: string): Promise<Agent> {
    const res = await fetch(`${origin}/api/dev/sign-in`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accountId: ACCOUNT, userId, role: 'agent', displayName: name }),
    })
    if (!res.ok) throw new Error(`dev sign-in failed: ${res.status} ${await res.text()}`)
    const { wsToken } = await res.json() as { wsToken: string }
    const a = new Agent()
    a.#ws = new WebSocket(`${origin.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(wsToken)}`, { headers: { origin } })
    a.#ws.on('message', (d) => a.received.push(JSON.parse(String(d)) as Msg))
    await new Promise<void>((resolve, reject) => { a.#ws.once('open', () => resolve()); a.#ws.once('error', reject) })
    a.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: randomUUID(), surface: 'agent' })
    await a.next('welcome')
    return a
  }

  send(msg: Record<string, unknown>): void {
    this.#ws.send(JSON.stringify(msg))
  }

  /** Sends an op and waits for its ack. */
  async op(msg: Record<string, unknown>): Promise<Msg> {
    const opId = randomUUID()
    this.send({ ...msg, opId })
    return this.next('ack', (m) => m['opId'] === opId)
  }

  async next(type: string, pred: (m: Msg) => boolean = () => true, timeout = 15_000): Promise<Msg> {
    const deadline = Date.now() + timeout
    for (;;) {
      const hit = this.received.find((m) => m.type === type && pred(m))
      if (hit) return hit
      const err = this.received.find((m) => m.type === 'error')
      if (Date.now() > deadline) throw new Error(`no ${type}; got ${JSON.stringify(err ?? this.received.map((m) => m.type))}`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  close(): void {
    this.#ws.close()
  }
}

describe.skipIf(!haveChromium)('supervisor dashboard on a real server', () => {
  let h: AgentHarness
  let browser: Browser
  let page: Page
  let agent: Agent
  const doc = new Y.Doc()
  const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64')

  beforeAll(async () => {
    h = await startAgentHarness()
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
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
    await page.goto(`${h.origin}/supervisor.html`)
    await expect.poll(() => page.getByRole('heading', { name: /Sign in to the supervisor dashboard/ }).count(), { timeout: 60_000 }).toBe(1)
    await page.getByLabel('Account').fill(ACCOUNT)
    await page.getByLabel('User id').fill('sup-1')
    await page.getByLabel('Name').fill('Sam Supervisor')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await expect.poll(() => page.getByText('No live engagements.').count(), { timeout: 30_000 }).toBe(1)
    // The dashboard's status line says whether the board is live (not the agent's "saved" wording).
    await expect.poll(() => page.locator('.sv-conn').getByRole('status').textContent()).toMatch(/^\s*Live\s*$/)
  })

  it('shows an agent\'s engagement live, with notes preview and a help flag in the alerts', async () => {
    agent = await Agent.connect(h.origin, 'agent-ada', 'Ada Agent')
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
    agent = await Agent.connect(h.origin, 'agent-ada', 'Ada Agent')
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
