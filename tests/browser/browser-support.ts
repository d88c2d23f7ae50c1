/**
 * What browser tests share: the Chromium they drive (CHROMIUM_PATH, default /usr/bin/chromium)
 * with its flags, and the supervisor dashboard's dev sign-in form.
 */
import type { Page } from 'playwright-core'
import { expect } from 'vitest'

export { CHROMIUM, CHROMIUM_ARGS, haveChromium, launchBrowser as launchChromium } from '../support/chromium.ts'

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

/** An admin of the account erases one engagement over REST (as the Data retention panel does). */
export async function eraseAsAdmin(origin: string, accountId: string, engagementId: string): Promise<void> {
  const signIn = await fetch(`${origin}/api/dev/sign-in`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ accountId, userId: 'admin-1', role: 'admin', displayName: 'Ari Admin' }),
  })
  if (!signIn.ok) throw new Error(`admin sign-in failed: ${signIn.status} ${await signIn.text()}`)
  const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!
  const res = await fetch(`${origin}/api/admin/engagements/${encodeURIComponent(engagementId)}`, { method: 'DELETE', headers: { cookie } })
  if (!res.ok) throw new Error(`erasure failed: ${res.status} ${await res.text()}`)
}
