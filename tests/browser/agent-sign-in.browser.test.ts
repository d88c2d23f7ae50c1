/**
 * The agent app's start in Chromium, in the Zoom client emulator, against a real server process:
 * one clear state at a time (starting, signing in, "Connect Switchboard to your Zoom account",
 * then connected), in-client OAuth through the real `@zoom/appssdk` (authorize, the emulator's
 * consent screen, onAuthorized, completion on the server), its decline and retry, a failed
 * sign-in with Try again, and the `getAppContext()` → `POST /api/session` path.
 *
 * Every DOM change of the agent page is recorded from its first paint, so a moment where two
 * states show at once (a red sign-in box beside "Waiting for an engagement…") fails the test.
 */
import type { BrowserContext, Frame, Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { haveChromium } from '../support/chromium.ts'
import { useAgentBrowser } from './agent-app.harness.ts'

const POLL = { timeout: 30_000, interval: 100 }

/** What the agent page shows, recorded on every DOM change (in the page, from its first script). */
interface Shown {
  header: boolean
  alert: boolean
  progress: boolean
  connect: boolean
  waiting: boolean
  zoom: boolean
}

const RECORDER = `(() => {
  if (location.pathname !== '/') return
  window.sbShown = []
  const snap = () => {
    const main = document.querySelector('main.content')
    if (!main) return
    const text = main.innerText
    const s = {
      header: document.querySelector('.bar [role="status"]') !== null,
      alert: main.querySelector('[role="alert"]') !== null,
      progress: /Starting Switchboard|Signing you in/.test(text),
      connect: text.includes('Connect Switchboard to your Zoom account'),
      waiting: text.includes('Waiting for an engagement'),
      zoom: text.includes('Connecting to Zoom'),
    }
    const key = JSON.stringify(s)
    if (window.sbShown[window.sbShown.length - 1] !== key) window.sbShown.push(key)
  }
  new MutationObserver(snap).observe(document, { subtree: true, childList: true, characterData: true, attributes: true })
})()`

/** Moments when more than one state was on screen. */
function mixed(shown: Shown[]): Shown[] {
  return shown.filter((s) => {
    const states = [s.progress, s.connect, s.alert && !s.connect, s.waiting || s.zoom].filter(Boolean).length
    // The connection status belongs to the connected app only.
    return states > 1 || (s.header && (s.progress || s.connect || (s.alert && !s.waiting && !s.zoom)))
  })
}

describe.skipIf(!haveChromium)('agent app sign-in in the Zoom client emulator', () => {
  const env = useAgentBrowser()

  let seq = 0
  const unique = (p: string): string => `${p}-${Date.now().toString(36)}-${++seq}`

  interface Emulated { context: BrowserContext; page: Page; app(): Frame; shown(): Promise<Shown[]> }

  async function openEmulator(before?: (page: Page) => Promise<void>): Promise<Emulated> {
    const context = await env.browser.newContext({ viewport: { width: 1100, height: 900 } })
    await context.addInitScript(RECORDER)
    const page = await context.newPage()
    await page.goto(`${env.h.origin}/simulator.html`)
    await page.waitForFunction(() => window.zoomEmulator !== undefined, undefined, { timeout: 60_000 })
    await before?.(page)
    const app = (): Frame => {
      const f = page.frames().find((fr) => fr !== page.mainFrame() && new URL(fr.url()).pathname === '/')
      if (!f) throw new Error('the agent app frame is not loaded')
      return f
    }
    const shown = async (): Promise<Shown[]> => {
      const raw = await app().evaluate(() => (window as unknown as { sbShown: string[] }).sbShown)
      return raw.map((s) => JSON.parse(s) as Shown)
    }
    return { context, page, app, shown }
  }

  const bridgeRequests = (e: Emulated) => e.page.evaluate(() => window.zoomEmulator!.log().filter((x) => x.kind === 'request').map((x) => x.name))
  const mainText = (e: Emulated) => e.app().locator('main.content').innerText()
  /** The emulated Zoom user signs in to the Zoom client; the app then starts and signs in by itself. */
  const signIn = async (e: Emulated, user: Parameters<NonNullable<typeof window.zoomEmulator>['signIn']>[0]): Promise<void> => {
    await e.page.evaluate((u) => window.zoomEmulator!.signIn(u), user)
    await e.page.evaluate(() => window.zoomEmulator!.ready)
  }
  /** Zoom delivers an engagement with a consumer of that name. */
  const takeCall = (e: Emulated, consumer: string) => e.page.evaluate((name) => window.zoomEmulator!.createEngagement({ consumer: { name } }), consumer)

  it('a first-time user sees one state at a time and connects through in-client OAuth (consent in the emulator)', async () => {
    const e = await openEmulator()
    const user = { accountId: unique('acct'), userId: unique('zu'), displayName: 'Nia New', connected: false }
    await signIn(e, user)
    const connect = e.app().getByRole('button', { name: 'Connect' })
    await expect.poll(() => connect.isVisible(), POLL).toBe(true)
    expect(await e.app().getByRole('heading', { name: 'Connect Switchboard to your Zoom account' }).isVisible()).toBe(true)

    // Cancel in Zoom's consent screen: the app says so and offers to try again, nothing else.
    await connect.click()
    await expect.poll(() => e.page.evaluate(() => window.zoomEmulator!.pendingConsent()), POLL).toEqual({ accountId: user.accountId, userId: user.userId })
    await e.page.getByRole('dialog', { name: 'Allow Switchboard to access your Zoom account?' }).getByRole('button', { name: 'Cancel' }).click()
    await expect.poll(() => e.app().getByRole('alert').innerText(), POLL).toContain('Zoom did not authorize Switchboard')
    const again = e.app().getByRole('button', { name: 'Try again' })
    expect(await again.isVisible()).toBe(true)

    // Allow: the code goes to the server, which binds the account and answers the session.
    await again.click()
    await e.page.getByRole('dialog', { name: 'Allow Switchboard to access your Zoom account?' }).getByRole('button', { name: 'Allow' }).click()
    await expect.poll(() => mainText(e), POLL).toContain('Waiting for an engagement')
    expect(await e.app().locator('.bar [role="status"]').isVisible()).toBe(true)
    const requests = await bridgeRequests(e)
    expect(requests).toContain('authorize')
    const events = await e.page.evaluate(() => window.zoomEmulator!.log().filter((x) => x.kind === 'event' && x.name === 'onAuthorized').map((x) => (x.data as { result: boolean }).result))
    expect(events).toEqual([false, true])
    await expect.poll(() => e.page.getByRole('status').filter({ hasText: 'Switchboard: signed in as' }).innerText(), POLL).toContain('Nia New')

    expect(mixed(await e.shown())).toEqual([])
    const seen = await e.shown()
    expect(seen.some((s) => s.connect)).toBe(true)
    expect(seen.at(-1)).toMatchObject({ waiting: true, header: true, alert: false, connect: false, progress: false })

    // Connected once: opening the app again goes straight in (Zoom does not ask again either).
    await e.page.evaluate(() => { window.zoomEmulator!.reloadApp() })
    await e.page.evaluate(() => window.zoomEmulator!.ready)
    await expect.poll(() => mainText(e), POLL).toContain('Waiting for an engagement')
    expect((await e.shown()).some((s) => s.connect)).toBe(false)
    await e.context.close()
  })

  it('a failed sign-in shows only the problem and Try again, then signs in through getAppContext and POST /api/session', async () => {
    const e = await openEmulator()
    const user = { accountId: unique('acct'), userId: unique('zu'), displayName: 'Ivo', via: 'app-context' as const }
    // Zoom fails the first getAppContext: there is no cookie (the app-context path), so no session.
    await e.page.evaluate(() => window.zoomEmulator!.scriptNext('getAppContext', { errorCode: 10001, errorMessage: 'Zoom client error' }))
    await signIn(e, user)
    await expect.poll(() => e.app().getByRole('alert').isVisible().catch(() => false), POLL).toBe(true)
    const before = await mainText(e)
    expect(before).not.toContain('Waiting for an engagement')
    expect(before).not.toContain('Connecting to Zoom')
    expect(await e.app().locator('.bar [role="status"]').count()).toBe(0)

    await e.app().getByRole('button', { name: 'Try again' }).click()
    await expect.poll(() => mainText(e), POLL).toContain('Waiting for an engagement')
    expect((await bridgeRequests(e)).filter((n) => n === 'getAppContext')).toHaveLength(2)
    expect(mixed(await e.shown())).toEqual([])
    await e.context.close()
  })

  it('when the session ends under the running app (4002), it signs in again by itself and keeps the notes', async () => {
    const e = await openEmulator()
    await signIn(e, { accountId: unique('acct'), userId: unique('zu'), displayName: 'Ren' })
    await takeCall(e, 'Bea Bloom')
    const notes = () => e.app().getByRole('textbox', { name: 'Notes' })
    await expect.poll(() => notes().isVisible().catch(() => false), POLL).toBe(true)
    await notes().click()
    await notes().pressSequentially('Before the session ended.')
    await expect.poll(() => e.app().locator('.bar [role="status"]').innerText().catch(() => ''), POLL).toContain('All changes saved')
    const contexts = (await bridgeRequests(e)).filter((n) => n === 'getAppContext').length
    // Sign this session out (as if it expired): its socket closes with 4002.
    await e.app().evaluate(() => fetch('/api/session', { method: 'DELETE' }).then((r) => r.status))
    await e.page.evaluate(() => window.zoomEmulator!.ready)
    await expect.poll(async () => (await bridgeRequests(e)).filter((n) => n === 'getAppContext').length, POLL).toBeGreaterThan(contexts)
    await expect.poll(() => notes().inputValue().catch(() => ''), POLL).toBe('Before the session ended.')
    await notes().click()
    await notes().press('End')
    await notes().pressSequentially(' And after.')
    await expect.poll(() => e.app().locator('.bar [role="status"]').innerText().catch(() => ''), POLL).toContain('All changes saved')
    expect(await e.app().getByRole('alert').count()).toBe(0)
    await e.context.close()
  })

  it('a connected user goes straight from signing in to the app, and the engagement shows', async () => {
    const e = await openEmulator()
    await signIn(e, { accountId: unique('acct'), userId: unique('zu'), displayName: 'Cy' })
    await takeCall(e, 'Ada Lovelace')
    await expect.poll(() => e.app().locator('article h2').first().innerText().catch(() => ''), POLL).toBe('Ada Lovelace')
    const seen = await e.shown()
    expect(mixed(seen)).toEqual([])
    expect(seen.some((s) => s.connect || s.alert)).toBe(false)
    await e.context.close()
  })
})
