/**
 * The Chromium every browser test drives (Debian's, or `CHROMIUM_PATH`) and the flags it is
 * launched with.
 */
import { existsSync } from 'node:fs'
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core'
import { perFile, perTest } from './hooks.ts'

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
export function browserForFile(): { readonly browser: Browser; pagePerTest(opts?: BrowserContextOptions): { readonly context: BrowserContext; readonly page: Page } } {
  const browser = perFile('Chromium', launchBrowser, (b) => b.close())
  return {
    get browser() {
      return browser()
    },
    /** A fresh context (its own storage) and page for each test, opened before the file's own `beforeEach` and closed after the test. */
    pagePerTest(opts = {}) {
      const tab = perTest('the page', async () => {
        const context = await browser().newContext(opts)
        return { context, page: await context.newPage() }
      }, (t) => t.context.close())
      return {
        get context() {
          return tab().context
        },
        get page() {
          return tab().page
        },
      }
    },
  }
}
