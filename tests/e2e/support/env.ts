/**
 * Where the e2e suite runs: Chromium (Debian's, or `CHROMIUM_PATH`), the flags it is launched with,
 * and the rule for a missing browser: outside CI the files skip and say so; in CI (`CI=true`) they
 * run and fail loudly.
 */
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
export const CI = (process.env['CI'] ?? '') !== '' && process.env['CI'] !== 'false'
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--no-first-run', '--disable-quic', '--disable-sync',
]
/** Generous: two cores are shared with builds, Postgres and other suites. */
export const POLL = { timeout: 30_000, interval: 100 } as const

/** Whether the file should run; prints why when it is skipped (never skips in CI). */
export function e2eEnabled(file: string): boolean {
  if (CI || existsSync(CHROMIUM)) return true
  process.stderr.write(`[e2e] ${file}: skipped, no Chromium at ${CHROMIUM} (set CHROMIUM_PATH; in CI these tests always run).\n`)
  return false
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM_PATH`)
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
}
