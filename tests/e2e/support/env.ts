/**
 * Where the e2e suite runs: Chromium (Debian's, or `CHROMIUM_PATH`), the flags it is launched with,
 * and the rule for a missing browser: outside CI the files skip and say so; in CI (`CI=true`) they
 * run and fail loudly.
 */
import { vi } from 'vitest'
import { CHROMIUM, haveChromium } from '../../support/chromium.ts'

export { CHROMIUM, CHROMIUM_ARGS, launchBrowser } from '../../support/chromium.ts'
export const CI = (process.env['CI'] ?? '') !== '' && process.env['CI'] !== 'false'
/** Generous: two cores are shared with builds, Postgres and other suites. */
export const POLL = { timeout: 30_000, interval: 100 } as const

/** For the support classes (no `expect` outside a test): polls `read` until it gives `want`, as `expect.poll` with POLL. */
export async function until<T>(what: string, read: () => Promise<T>, want: T): Promise<void> {
  await vi.waitFor(async () => {
    const got = await read()
    if (got !== want) throw new Error(`${what} is ${JSON.stringify(got)}, waiting for ${JSON.stringify(want)}`)
  }, POLL)
}

/** Whether the file should run; prints why when it is skipped (never skips in CI). */
export function e2eEnabled(file: string): boolean {
  if (CI || haveChromium) return true
  process.stderr.write(`[e2e] ${file}: skipped, no Chromium at ${CHROMIUM} (set CHROMIUM_PATH; in CI these tests always run).\n`)
  return false
}
