/**
 * Screenshots: every run writes them to tests/artifacts/e2e/ (git-ignored). With
 * `SB_UPDATE_SCREENSHOTS=1` the chosen ones are also copied to docs/screenshots/ (the README's).
 */
import { copyFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Locator, Page } from 'playwright-core'
import { REPO } from './build.ts'

export const ARTIFACTS = join(REPO, 'tests/artifacts/e2e')
const DOCS = join(REPO, 'docs/screenshots')

/** Saves a PNG of the page (viewport) or an element; `docsName` also publishes it when asked to. */
export async function screenshot(target: Page | Locator, name: string, docsName?: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true })
  const file = join(ARTIFACTS, `${name}.png`)
  await target.screenshot({ path: file, animations: 'disabled', caret: 'hide' })
  if (docsName !== undefined && process.env['SB_UPDATE_SCREENSHOTS'] === '1') {
    mkdirSync(DOCS, { recursive: true })
    copyFileSync(file, join(DOCS, docsName))
  }
  return file
}
