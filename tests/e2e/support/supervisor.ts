/**
 * The supervisor dashboard (`/supervisor.html`): dev sign-in through its own form, the live board,
 * the drill-in panel with live notes and the whisper composer.
 */
import type { BrowserContext, Locator } from 'playwright-core'
import { until } from './env.ts'
import { PageClient } from './page-client.ts'

export interface SupervisorUser { accountId: string; userId: string; displayName: string }

/** What these tests read of `GET /api/engagements/:id`. */
export interface EngagementDetail { engagement: { state: string }; notes: { text: string; wrapup: { summary?: string } } }

export class SupervisorClient extends PageClient {
  row(engagementId: string): Locator {
    return this.page.locator(`table.board tbody tr[data-id="${engagementId}"]`)
  }
  /** Ids of the board rows in the DOM (the board is virtualized; tests keep it small). */
  rowIds(): Promise<string[]> {
    return this.page.$$eval('table.board tbody tr[data-id]', (trs) => trs.map((tr) => tr.getAttribute('data-id') ?? ''))
  }
  /** The row's cells as text: state badge and last line of notes. */
  async rowState(engagementId: string): Promise<string> {
    return (await this.row(engagementId).locator('.c-state').innerText()).trim()
  }
  async rowNotes(engagementId: string): Promise<string> {
    return (await this.row(engagementId).locator('.c-notes').innerText()).trim()
  }

  drill(): Locator { return this.page.getByRole('dialog') }
  drillNotes(): Promise<string> { return this.page.locator('.drill-notes').innerText() }

  async open(engagementId: string): Promise<void> {
    await this.row(engagementId).click()
    await this.drill().waitFor({ state: 'visible' })
  }
  /** Waits for the engagement's row, opens it and waits for `notes` in the panel. */
  async openShowing(engagementId: string, notes: string): Promise<void> {
    await until(`rows of ${engagementId}`, () => this.row(engagementId).count(), 1)
    await this.open(engagementId)
    await until('the notes in the panel', () => this.drillNotes(), notes)
  }

  async whisper(text: string): Promise<void> {
    const box = this.page.getByRole('textbox', { name: /Whisper to/ })
    await box.fill(text)
    await this.page.getByRole('button', { name: 'Send whisper' }).click()
  }

  /** The engagement as the REST API serves it to this supervisor; null for an answer other than 2xx. */
  engagement(engagementId: string): Promise<EngagementDetail | null> {
    return this.page.evaluate(async (eid) => {
      const r = await fetch(`/api/engagements/${encodeURIComponent(eid)}`)
      return r.ok ? await r.json() as EngagementDetail : null
    }, engagementId)
  }

  /** Status of the newest whisper sent from the open panel: sending, delivered, read or failed. */
  whisperStatus(text: string): Promise<string | null> {
    return this.page.locator('.whispers li', { hasText: text }).first().getAttribute('data-status')
  }
}

/** Opens the dashboard, signs in with the dev sign-in form, waits for the board to load. */
export async function openSupervisor(context: BrowserContext, origin: string, user: SupervisorUser): Promise<SupervisorClient> {
  const page = await context.newPage()
  await page.goto(`${origin}/supervisor.html`)
  const form = page.getByRole('form', { name: 'Dev sign-in' })
  await form.waitFor({ state: 'visible', timeout: 60_000 })
  await form.getByLabel('Account').fill(user.accountId)
  await form.getByLabel('User id').fill(user.userId)
  await form.getByLabel('Name').fill(user.displayName)
  await form.getByLabel('Role').selectOption('supervisor')
  await form.getByRole('button', { name: 'Sign in' }).click()
  await page.locator('table.board, .sv-empty').first().waitFor({ state: 'visible', timeout: 60_000 })
  return new SupervisorClient(context, page)
}
