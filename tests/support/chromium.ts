/**
 * The Chromium every browser test drives (Debian's, or `CHROMIUM_PATH`) and the flags it is
 * launched with.
 */
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--no-first-run', '--disable-quic', '--disable-sync',
]
export const haveChromium = existsSync(CHROMIUM)

export async function launchBrowser(): Promise<Browser> {
  if (!haveChromium) throw new Error(`no Chromium at ${CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM_PATH`)
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
}

/**
 * For a test file: Chromium launched in `beforeAll` (ahead of the file's own hooks declared after
 * this call) and closed in `afterAll` (after them). Read `.browser` inside tests and hooks.
 */
export function browserForFile(): { readonly browser: Browser } {
  let browser: Browser | undefined
  beforeAll(async () => {
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
  })
  return {
    get browser() {
      if (!browser) throw new Error('Chromium starts in beforeAll: use it inside tests and hooks')
      return browser
    },
  }
}
