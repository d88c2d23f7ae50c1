/**
 * What browser tests share: the Chromium they drive (CHROMIUM_PATH, default /usr/bin/chromium)
 * with its flags, and the supervisor dashboard's dev sign-in form.
 */
import { existsSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'
import { expect } from 'vitest'

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
export const haveChromium = existsSync(CHROMIUM)
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--no-first-run', '--disable-quic', '--disable-sync',
]

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
}

/** Opens the supervisor dashboard and signs in with the dev form; resolves once the live board is empty and loaded. */
export async function signInSupervisor(page: Page, origin: string, who: { accountId: string; userId: string; name: string }): Promise<void> {
  await page.goto(`${origin}/supervisor.html`)
  await expect.poll(() => page.getByRole('heading', { name: /Sign in to the supervisor dashboard/ }).count(), { timeout: 60_000 }).toBe(1)
  await page.getByLabel('Account').fill(who.accountId)
  await page.getByLabel('User id').fill(who.userId)
  await page.getByLabel('Name').fill(who.name)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await expect.poll(() => page.getByText('No live engagements.').count(), { timeout: 30_000 }).toBe(1)
}
