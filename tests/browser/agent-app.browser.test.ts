/**
 * The agent app in Chromium, inside the Zoom client emulator, against a real server process:
 * launch, the notes field, switching engagements, saving status, reload, offline, a second session
 * of the same agent, and a server restart. Nothing is mocked: the real `@zoom/appssdk` talks to
 * the emulator's bridge, and the page talks to the server over /ws.
 */
import { createRequire } from 'node:module'
import type { BrowserContext, Frame, Page } from 'playwright-core'
import { PROTOCOL_VERSION } from '@switchboard/protocol'
import { describe, expect, it } from 'vitest'
import { useAgentBrowser } from './agent-app.harness.ts'
import { eraseAsAdmin } from './browser-support.ts'
import { outboxOpIds } from '../e2e/support/agent.ts'
import { haveChromium } from '../support/chromium.ts'

const POLL = { timeout: 20_000, interval: 200 }
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

describe.skipIf(!haveChromium)('agent app in the Zoom client emulator', () => {
  const env = useAgentBrowser()

  let seq = 0
  const unique = (p: string): string => `${p}-${Date.now().toString(36)}-${++seq}`

  interface Agent { user: { accountId: string; userId: string }; context: BrowserContext; page: Page; app(): Frame }

  /** An agent (by default one in an account of its own) in the emulator; their user is `.user` for a second session. */
  async function openEmulator(user = { accountId: unique('acc'), userId: 'agent-1' }, context?: BrowserContext): Promise<Agent> {
    const ctx = context ?? await env.browser.newContext({ viewport: { width: 1000, height: 900 } })
    const page = await ctx.newPage()
    await page.goto(`${env.h.origin}/simulator.html`)
    await page.waitForFunction(() => window.zoomEmulator !== undefined, undefined, { timeout: 60_000 })
    await page.evaluate((u) => window.zoomEmulator!.signIn({ ...u, displayName: 'Test Agent' }), user)
    await page.evaluate(() => window.zoomEmulator!.ready)
    const app = (): Frame => {
      const f = page.frames().find((fr) => fr !== page.mainFrame() && new URL(fr.url()).pathname === '/')
      if (!f) throw new Error('the agent app frame is not loaded')
      return f
    }
    return { user, context: ctx, page, app }
  }

  const create = (a: Agent, opts: Record<string, unknown>): Promise<string> =>
    a.page.evaluate((o) => window.zoomEmulator!.createEngagement(o), opts)
  const focus = (a: Agent, id: string): Promise<void> => a.page.evaluate((i) => window.zoomEmulator!.focus(i), id)
  const notes = (a: Agent) => a.app().getByRole('textbox', { name: 'Notes' })
  const statusText = (a: Agent) => a.app().locator('.bar [role="status"] .label').innerText()
  const heading = (a: Agent) => a.app().locator('article h2').first().innerText()
  /** Zoom delivers an engagement and the app shows it (the consumer's name as its heading). */
  async function take(a: Agent, opts: Record<string, unknown> & { consumer: { name: string } & Record<string, unknown> }): Promise<string> {
    const id = await create(a, opts)
    await expect.poll(() => heading(a), POLL).toBe(opts.consumer.name)
    return id
  }
  /** Types at the end of the notes, key by key, and waits until the server has it all. */
  async function typeSaved(a: Agent, text: string): Promise<void> {
    await notes(a).click()
    await notes(a).pressSequentially(text)
    await expect.poll(() => statusText(a), POLL).toBe('All changes saved')
  }

  /** A supervisor of the account whispers to the engagement's agent over its own socket; returns its page. */
  async function whisperAsSupervisor(accountId: string, engagementId: string, text: string): Promise<Page> {
    const sup = await env.browser.newPage()
    await sup.goto(`${env.h.origin}/`)
    const acked = await sup.evaluate(async (o) => {
      const r = await fetch('/api/dev/sign-in', {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ accountId: o.accountId, userId: 'sup-1', role: 'supervisor', displayName: 'Sam Super' }),
      })
      if (!r.ok) throw new Error(`sign-in ${r.status}`)
      const ws = new WebSocket(`${location.origin.replace('http', 'ws')}/ws`)
      return await new Promise<string>((resolve, reject) => {
        ws.onerror = () => reject(new Error('socket error'))
        ws.onopen = () => ws.send(JSON.stringify({ type: 'hello', protocolVersion: o.protocolVersion, clientId: 'sup-test', surface: 'supervisor' }))
        ws.onmessage = (ev) => {
          const frame = JSON.parse(String(ev.data)) as { type: string; code?: string; messages?: { type: string; code?: string }[] }
          const m = frame.type === 'batch' ? frame.messages!.find((x) => x.type === 'ack' || x.type === 'error') ?? frame : frame
          if (m.type === 'welcome') ws.send(JSON.stringify({ type: 'whisper.send', opId: crypto.randomUUID(), engagementId: o.engagementId, text: o.text }))
          if (m.type === 'ack') resolve('ack')
          if (m.type === 'error') reject(new Error(m.code))
        }
      })
    }, { accountId, engagementId, text, protocolVersion: PROTOCOL_VERSION })
    expect(acked).toBe('ack')
    return sup
  }

  it('outside Zoom explains where the app runs and links to the emulator (dev sign-in on)', async () => {
    const page = await env.browser.newPage()
    await page.goto(`${env.h.origin}/`)
    await expect.poll(() => page.getByRole('heading', { level: 1 }).innerText(), POLL).toBe('Switchboard runs inside Zoom Contact Center')
    expect(await page.getByRole('link', { name: 'Zoom client emulator' }).getAttribute('href')).toBe('/simulator.html')
    await page.close()
  })

  it('shows the engagement, saves notes continuously and restores them after a reload', async () => {
    const a = await openEmulator()
    await take(a, { consumer: { name: 'Ana Lima', number: '+15550100' }, queueName: 'Billing', channel: 'voice' })
    await expect.poll(() => a.app().getByText('Billing').count(), POLL).toBeGreaterThan(0)

    await typeSaved(a, 'Refund for order 1234.')

    // Every control has an accessible name; no serious WCAG A/AA problems.
    await a.app().addScriptTag({ path: AXE })
    const violations = await a.app().evaluate(async () => {
      const axe = (window as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<{ violations: Array<{ id: string; impact: string | null; nodes: unknown[] }> }> } }).axe
      const r = await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa'] })
      return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.nodes.length})`)
    })
    expect(violations).toEqual([])
    expect(await a.app().getByRole('button', { name: 'Ask for help' }).getAttribute('aria-pressed')).toBe('false')

    // Wrap-up with the keyboard: disposition, two tags (Enter), remove one, summary.
    const disposition = a.app().getByRole('combobox', { name: 'Disposition' })
    await expect.poll(() => disposition.locator('option').count(), POLL).toBeGreaterThan(1)
    const choice = await disposition.locator('option').nth(1).getAttribute('value')
    await disposition.selectOption(choice!)
    const tag = a.app().getByRole('textbox', { name: 'Tags' })
    await tag.fill('refund')
    await tag.press('Enter')
    await tag.fill('vip')
    await tag.press('Enter')
    await a.app().getByRole('button', { name: 'Remove tag vip' }).press('Enter')
    await a.app().getByRole('textbox', { name: 'Summary' }).fill('Refund issued.')
    await a.app().getByRole('textbox', { name: 'Summary' }).press('Tab')
    await expect.poll(() => statusText(a), POLL).toBe('All changes saved')

    await a.page.evaluate(() => window.zoomEmulator!.reloadApp())
    await a.page.evaluate(() => window.zoomEmulator!.ready)
    await expect.poll(() => notes(a).inputValue(), POLL).toBe('Refund for order 1234.')
    await expect.poll(() => a.app().getByRole('combobox', { name: 'Disposition' }).inputValue(), POLL).toBe(choice)
    // The summary is written on blur, so it may still be on its way when the status first reads saved.
    await expect.poll(() => a.app().getByRole('textbox', { name: 'Summary' }).inputValue(), POLL).toBe('Refund issued.')
    expect(await a.app().getByRole('list', { name: 'Current tags' }).innerText()).toContain('refund')
    expect(await a.app().getByRole('list', { name: 'Current tags' }).innerText()).not.toContain('vip')
    await a.context.close()
  })

  it('switches engagements at once and keeps each one\'s notes', async () => {
    const a = await openEmulator()
    const first = await take(a, { consumer: { name: 'First Caller' } })
    await notes(a).click()
    await notes(a).pressSequentially('about the first')

    const second = await take(a, { consumer: { name: 'Second Caller' }, channel: 'messaging' })
    expect(await notes(a).inputValue()).toBe('')
    await notes(a).click()
    await notes(a).pressSequentially('about the second')
    // The first engagement is listed among the agent's other engagements.
    await expect.poll(() => a.app().getByRole('region', { name: /Your other engagements/ }).innerText(), POLL).toContain('First Caller')

    await focus(a, first)
    await expect.poll(() => heading(a), POLL).toBe('First Caller')
    expect(await notes(a).inputValue()).toBe('about the first')
    await focus(a, second)
    await expect.poll(() => notes(a).inputValue(), POLL).toBe('about the second')
    await expect.poll(() => statusText(a), POLL).toBe('All changes saved')
    await a.context.close()
  })

  it('counts unsent changes while offline and saves them when back online', async () => {
    const a = await openEmulator()
    await take(a, { consumer: { name: 'Offline Case' } })
    await expect.poll(() => statusText(a), POLL).toBe('All changes saved')

    await a.context.setOffline(true)
    await notes(a).click()
    await notes(a).pressSequentially('typed offline')
    await expect.poll(() => statusText(a), POLL).toMatch(/^Offline · \d+ unsent changes?$/)

    await a.context.setOffline(false)
    await expect.poll(() => statusText(a), POLL).toBe('All changes saved')
    await a.page.evaluate(() => window.zoomEmulator!.reloadApp())
    await expect.poll(() => notes(a).inputValue(), POLL).toBe('typed offline')
    await a.context.close()
  })

  it('sends a Zoom status event as one op under one id, the same in the device outbox and on the socket', async () => {
    const a = await openEmulator()
    const id = await take(a, { id: unique('eng'), consumer: { name: 'Status Case' } })
    await expect.poll(() => statusText(a), POLL).toBe('All changes saved')
    const sent: Array<{ type: string; opId?: string; engagementId?: string; changes?: unknown }> = []
    a.page.on('websocket', (ws) => ws.on('framesent', (f) => {
      if (typeof f.payload === 'string') sent.push(JSON.parse(f.payload) as (typeof sent)[number])
    }))

    // Offline, the op waits in the device outbox: its id is assigned once, before it is stored.
    await a.context.setOffline(true)
    await expect.poll(() => statusText(a), POLL).toMatch(/^Offline/)
    await a.page.evaluate((eid) => window.zoomEmulator!.setStatus(eid, { state: 'inactive' }), id)
    await expect.poll(() => outboxOpIds(a.page, 'engagement.status', id), POLL).toHaveLength(1)
    const [stored] = await outboxOpIds(a.page, 'engagement.status', id)

    await a.context.setOffline(false)
    await expect.poll(() => statusText(a), POLL).toBe('All changes saved')
    const statusOps = sent.filter((m) => m.type === 'engagement.status' && m.engagementId === id)
    expect(statusOps).toEqual([expect.objectContaining({ opId: stored, changes: { state: 'inactive' } })])
    await a.context.close()
  })

  it('shows another session\'s edits live without moving the agent\'s caret', async () => {
    const a = await openEmulator()
    const id = await take(a, { id: unique('eng'), consumer: { name: 'Shared Case' } })
    await typeSaved(a, 'order 1234 late')

    // The same agent in a second Zoom client (another browser profile) on the same engagement.
    const b = await openEmulator(a.user)
    await create(b, { id, consumer: { name: 'Shared Case' } })
    await expect.poll(() => notes(b).inputValue(), POLL).toBe('order 1234 late')

    // A's caret sits after "1234"; B types at the start.
    await notes(a).evaluate((el: HTMLTextAreaElement) => { el.focus(); el.setSelectionRange(10, 10) })
    await notes(b).evaluate((el: HTMLTextAreaElement) => { el.focus(); el.setSelectionRange(0, 0) })
    await notes(b).pressSequentially('VIP: ')
    await expect.poll(() => notes(a).inputValue(), POLL).toBe('VIP: order 1234 late')
    expect(await notes(a).evaluate((el: HTMLTextAreaElement) => [el.selectionStart, el.selectionEnd])).toEqual([15, 15])
    await a.context.close()
    await b.context.close()
  })

  it('shows a supervisor whisper at once, sends a read receipt when seen, and raises help', async () => {
    const a = await openEmulator()
    const id = await take(a, { id: unique('eng'), consumer: { name: 'Whisper Case' } })
    await expect.poll(() => statusText(a), POLL).toBe('All changes saved')
    await expect.poll(() => a.app().getByRole('combobox', { name: 'Disposition' }).locator('option').count(), POLL).toBeGreaterThan(1)

    // A supervisor of the same account, on its own socket.
    const sup = await whisperAsSupervisor(a.user.accountId, id, 'Offer the 10% credit.')

    const whispers = a.app().getByRole('region', { name: /Supervisor messages/ })
    await expect.poll(() => whispers.innerText(), POLL).toContain('Offer the 10% credit.')
    // Seen on screen: a read receipt goes out and the badge clears.
    await expect.poll(() => whispers.innerText(), POLL).toContain('Read')
    expect(await whispers.innerText()).not.toContain('new')
    // Who, when, read: each separated by " · " (a space used to go missing before "· Read").
    expect(await whispers.locator('.meta').innerText()).toMatch(/^Sam Super · \d{1,2}:\d{2}(\s?[AP]M)? · Read$/)

    const help = a.app().getByRole('button', { name: 'Ask for help' })
    await help.focus()
    await help.press('Enter')
    await expect.poll(() => help.getAttribute('aria-pressed'), POLL).toBe('true')

    const detail = async (): Promise<{ kinds: string[]; help: unknown }> => sup.evaluate(async (engagementId) => {
      const r = await fetch(`/api/engagements/${encodeURIComponent(engagementId)}`)
      const d = await r.json() as { engagement: { help: unknown }; events: Array<{ kind: string }> }
      return { kinds: d.events.map((e) => e.kind), help: d.engagement.help }
    }, id)
    await expect.poll(async () => (await detail()).kinds, POLL).toEqual(expect.arrayContaining(['whisper', 'whisper.read', 'help']))
    expect((await detail()).help).toMatchObject({ raisedBy: 'agent-1' })
    await sup.close()
    await a.context.close()
  })

  it('keeps the notes in view in a Zoom-sized side panel: with a whisper, offline, in wrap-up', async () => {
    const a = await openEmulator()
    // Zoom Contact Center's side panel on a laptop: 400 × 720.
    await a.page.evaluate(() => {
      const frame = document.querySelector<HTMLElement>('.frame')!
      Object.assign(frame.style, { width: '400px', height: '720px', flex: 'none' })
    })
    const id = await create(a, {
      id: unique('eng'), consumer: { name: 'Panel Case', number: '+15550123', email: 'panel@example.com' },
      queueName: 'Billing and payments', channel: 'voice',
    })
    await expect.poll(() => heading(a), POLL).toBe('Panel Case')
    const sup = await whisperAsSupervisor(a.user.accountId, id, 'Offer the 10% credit if they stay on the annual plan.')
    await expect.poll(() => a.app().getByRole('region', { name: /Supervisor messages/ }).count(), POLL).toBe(1)

    /** The notes field below the app bar, with at least four lines of it inside the panel. */
    const notesInView = () => a.app().evaluate(() => {
      const bar = document.querySelector('.bar')!.getBoundingClientRect()
      const field = document.querySelector('textarea[id^="notes-"]')!.getBoundingClientRect()
      return { top: Math.round(field.top), barBottom: Math.round(bar.bottom), visible: Math.round(Math.min(field.bottom, innerHeight) - field.top), panel: innerHeight }
    })
    const expectNotesInView = async (when: string): Promise<void> => {
      const m = await notesInView()
      expect(m.top, `${when}: ${JSON.stringify(m)}`).toBeGreaterThanOrEqual(m.barBottom)
      expect(m.visible, `${when}: ${JSON.stringify(m)}`).toBeGreaterThanOrEqual(96)
    }
    await expectNotesInView('online, with a whisper')

    await a.context.setOffline(true)
    await notes(a).click()
    await notes(a).pressSequentially('Customer agrees.')
    await expect.poll(() => statusText(a), POLL).toMatch(/^Offline · \d+ unsent changes?$/)
    await a.app().evaluate(() => window.scrollTo(0, 0))
    await expectNotesInView('offline with unsent changes')

    await a.page.evaluate((eid) => window.zoomEmulator!.setStatus(eid, { state: 'wrap-up' }), id)
    await expect.poll(() => a.app().locator('.state-wrap-up').count(), POLL).toBe(1)
    await expectNotesInView('offline, in wrap-up')
    // The wrap-up fields start in view too, right under the notes.
    const disposition = await a.app().locator('[id^="wrapup-"][id$="-disposition"]').evaluate((el) => Math.round(el.getBoundingClientRect().top))
    expect(disposition).toBeLessThan(720)

    await a.context.setOffline(false)
    await expect.poll(() => statusText(a), POLL).toBe('All changes saved')
    await expectNotesInView('back online, in wrap-up')
    await sup.close()
    await a.context.close()
  })

  it('lets an engagement the server erased go: the agent is told, its notes and this device\'s copy are gone', async () => {
    const a = await openEmulator()
    const first = await take(a, { id: unique('eng'), consumer: { name: 'Erased Case' } })
    await typeSaved(a, 'Card ending 4242.')
    const second = await take(a, { id: unique('eng'), consumer: { name: 'Kept Case' } })
    await typeSaved(a, 'Keep me.')
    /** Engagements this device keeps a local notes copy of. */
    const localCopies = () => a.app().evaluate(() => new Promise<string[]>((resolve) => {
      const req = indexedDB.open('switchboard-docs')
      req.onsuccess = () => {
        const keys = req.result.transaction('docs', 'readonly').objectStore('docs').getAllKeys()
        keys.onsuccess = () => { resolve(keys.result.map((k) => String(k).split('/').at(-1)!)); req.result.close() }
      }
    }))
    await expect.poll(localCopies, POLL).toEqual(expect.arrayContaining([first, second]))

    // Erased while not on screen: a notice, and it is no longer among the other engagements.
    const others = a.app().getByRole('region', { name: /Your other engagements/ })
    await expect.poll(() => others.innerText(), POLL).toContain('Erased Case')
    await eraseAsAdmin(env.h.origin, a.user.accountId, first)
    const notice = a.app().getByRole('status').filter({ hasText: 'The engagement with Erased Case was erased' })
    await expect.poll(() => notice.count(), POLL).toBe(1)
    expect(await others.count()).toBe(0)
    await expect.poll(localCopies, POLL).toEqual([second])
    await notice.getByRole('button', { name: 'Dismiss' }).click()
    expect(await notice.count()).toBe(0)

    // Erased while on screen: its notes give way to the notice; nothing more is sent about it.
    await eraseAsAdmin(env.h.origin, a.user.accountId, second)
    await expect.poll(() => a.app().getByRole('status').filter({ hasText: 'The engagement with Kept Case was erased' }).count(), POLL).toBe(1)
    expect(await notes(a).count()).toBe(0)
    await expect.poll(localCopies, POLL).toEqual([])
    await a.page.evaluate((eid) => window.zoomEmulator!.setStatus(eid, { state: 'wrap-up' }), second)
    await expect.poll(() => statusText(a), POLL).toBe('All changes saved')
    expect(await a.app().getByRole('alert').count()).toBe(0)

    // Reloaded while Zoom still shows it: the server refuses the app's observe (ENGAGEMENT_ERASED)
    // instead of creating it again, empty, and the app says it was erased, as before the reload.
    await a.page.evaluate(() => window.zoomEmulator!.reloadApp())
    await a.page.evaluate(() => window.zoomEmulator!.ready)
    await expect.poll(() => a.app().getByRole('status').filter({ hasText: 'The engagement with Kept Case was erased' }).count(), POLL).toBe(1)
    await expect.poll(() => statusText(a), POLL).toBe('All changes saved')
    expect(await notes(a).count()).toBe(0)
    expect(await a.app().getByRole('alert').count()).toBe(0)
    await a.context.close()
  })

  it('keeps edits made while the server restarts', async () => {
    const a = await openEmulator()
    await create(a, { consumer: { name: 'Restart Case' } })
    await expect.poll(() => statusText(a), POLL).toBe('All changes saved')
    await env.h.stopServer()
    await notes(a).click()
    await notes(a).pressSequentially('during restart')
    await expect.poll(() => statusText(a), POLL).toMatch(/unsent change/)
    await env.h.startServer()
    await expect.poll(() => statusText(a), { ...POLL, timeout: 60_000 }).toBe('All changes saved')
    await a.page.evaluate(() => window.zoomEmulator!.reloadApp())
    await expect.poll(() => notes(a).inputValue(), POLL).toBe('during restart')
    await a.context.close()
  }, 120_000)
})
