/**
 * The agent as people use it: the Zoom client emulator (`/simulator.html`) hosting the real agent
 * page, which talks to the emulator through the real `@zoom/appssdk` and to the server over /ws.
 * Zoom-side actions go through the emulator's window API (apps/web/src/simulator/README.md);
 * everything the agent does happens in the framed app by role and accessible name.
 */
import type { BrowserContext, Frame, Locator, Page } from 'playwright-core'
import * as Y from 'yjs'
import { until } from './env.ts'
import { PageClient } from './page-client.ts'

export interface AgentUser {
  accountId: string
  userId: string
  displayName: string
  /** Default true; false: a first-time user who connects through in-client OAuth (emulator README). */
  connected?: boolean
  /** How the app signs in: the Home URL header (default) or getAppContext() + POST /api/session. */
  via?: 'home-url' | 'app-context'
}

export interface CreateOptions {
  id?: string
  channel?: 'voice' | 'video' | 'messaging' | 'email'
  queueName?: string
  consumer?: { name?: string; number?: string; email?: string }
  state?: 'active' | 'inactive' | 'wrap-up' | 'end'
  focus?: boolean
}

export type ZoomState = 'active' | 'inactive' | 'wrap-up' | 'end'

export class AgentClient extends PageClient {
  /** The framed agent app (the Zoom Home URL `/`). */
  app(): Frame {
    const f = this.page.frames().find((fr) => fr !== this.page.mainFrame() && new URL(fr.url()).pathname === '/')
    if (!f) throw new Error('the agent app frame is not loaded')
    return f
  }

  notes(): Locator { return this.app().getByRole('textbox', { name: 'Notes' }) }
  heading(): Promise<string> { return this.app().locator('article h2').first().innerText() }
  /** The connection/saving label in the app bar, e.g. "All changes saved", "Offline · 3 unsent changes". */
  status(): Promise<string> { return this.app().locator('.bar [role="status"] .label').innerText() }
  whispers(): Locator { return this.app().getByRole('region', { name: /Supervisor messages/ }) }
  others(): Locator { return this.app().getByRole('region', { name: /Your other engagements/ }) }

  create(o: CreateOptions): Promise<string> {
    return this.page.evaluate((opts) => window.zoomEmulator!.createEngagement(opts), o)
  }
  /** Zoom delivers an engagement and the app shows it (its consumer's name as the heading). */
  async take(o: CreateOptions & { consumer: { name: string } }): Promise<string> {
    const id = await this.create(o)
    await until('the heading', () => this.heading(), o.consumer.name)
    return id
  }
  focus(engagementId: string): Promise<void> {
    return this.page.evaluate((id) => window.zoomEmulator!.focus(id), engagementId)
  }
  setState(engagementId: string, state: ZoomState): Promise<void> {
    return this.page.evaluate(([id, s]) => window.zoomEmulator!.setStatus(id, { state: s }), [engagementId, state] as const)
  }
  /** Type at the end of the notes, key by key, as a person does. */
  async type(text: string): Promise<void> {
    const box = this.notes()
    await box.click()
    await box.press('End')
    await box.press('Control+End')
    await box.pressSequentially(text)
  }
  /** Types `text` and waits until the server has it all. */
  async typeSaved(text: string): Promise<void> {
    await this.type(text)
    await until('the saving status', () => this.status(), 'All changes saved')
  }
}

/**
 * Opens the emulator in a page of `context`, signs the emulated Zoom user in (the app then signs
 * in with an encrypted app context made by the server), waits for the app.
 * `beforeSignIn` runs on the emulator page before the agent app first loads.
 */
export async function openAgent(
  context: BrowserContext, origin: string, user: AgentUser, beforeSignIn?: (page: Page) => Promise<void>,
): Promise<AgentClient> {
  const page = await context.newPage()
  await page.goto(`${origin}/simulator.html`)
  await page.waitForFunction(() => window.zoomEmulator !== undefined, undefined, { timeout: 60_000 })
  await beforeSignIn?.(page)
  await page.evaluate((u) => window.zoomEmulator!.signIn(u), user)
  await page.evaluate(() => window.zoomEmulator!.ready)
  return new AgentClient(context, page)
}

/** An op as stored in the persistent outbox (only the fields these helpers read). */
interface StoredOp { type: string; opId: string; engagementId: string; update?: string }

/**
 * The ops waiting in this origin's persistent outbox (IndexedDB `switchboard-outbox`, store `ops`,
 * as packages/protocol/src/outbox-indexeddb.ts keeps them, in send order), whichever tab wrote them.
 */
async function storedOps(page: Page): Promise<StoredOp[]> {
  // A string, so no bundler helper leaks into the page.
  return page.evaluate(`(async () => {
    const names = (await indexedDB.databases()).map((d) => d.name)
    if (!names.includes('switchboard-outbox')) return []
    const db = await new Promise((resolve, reject) => {
      const r = indexedDB.open('switchboard-outbox')
      r.onsuccess = () => resolve(r.result)
      r.onerror = () => reject(r.error)
    })
    try {
      if (!db.objectStoreNames.contains('ops')) return []
      const rows = await new Promise((resolve, reject) => {
        const r = db.transaction('ops', 'readonly').objectStore('ops').getAll()
        r.onsuccess = () => resolve(r.result)
        r.onerror = () => reject(r.error)
      })
      return rows.map((row) => ({ type: row.op.type, opId: row.op.opId, engagementId: row.op.engagementId, update: row.op.update }))
    } finally {
      db.close()
    }
  })()`)
}

/** The outbox's ops as `type engagementId` lines (what survived on the device). */
export async function outboxOps(page: Page): Promise<string[]> {
  return (await storedOps(page)).map((op) => `${op.type} ${op.engagementId}`)
}

/** The ids of the outbox's ops of one type for one engagement, in send order. */
export async function outboxOpIds(page: Page, type: string, engagementId: string): Promise<string[]> {
  return (await storedOps(page)).filter((op) => op.type === type && op.engagementId === engagementId).map((op) => op.opId)
}

/**
 * The text inserted by the notes updates waiting in the outbox for one engagement, in order
 * (read from the Yjs updates themselves): shows that typing has reached the device's outbox.
 */
export async function outboxInsertedText(page: Page, engagementId: string): Promise<string> {
  let text = ''
  for (const op of await storedOps(page)) {
    if (op.type !== 'doc.update' || op.engagementId !== engagementId || op.update === undefined) continue
    for (const struct of Y.decodeUpdate(Buffer.from(op.update, 'base64')).structs) {
      if (struct instanceof Y.Item && struct.content instanceof Y.ContentString) text += struct.content.str
    }
  }
  return text
}
