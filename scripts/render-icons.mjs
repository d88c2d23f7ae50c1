#!/usr/bin/env node
/**
 * Renders Switchboard's icon (docs/brand/switchboard-icon*.svg) to the PNGs the Zoom App
 * Marketplace takes: App Listing → App Information → App icon, 160 × 160 px, one for light mode
 * and one for dark mode; plus 2× and 512 px renders for other listings. Uses the Chromium the
 * browser tests use (CHROMIUM_PATH, default /usr/bin/chromium) through playwright-core, so no
 * image library is needed. Usage: node scripts/render-icons.mjs  (writes next to the SVGs)
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { chromium } from 'playwright-core'

const BRAND = join(import.meta.dirname, '..', 'docs', 'brand')
export const ICON_SIZES = [160, 320, 512]
/** @type {[svg: string, png: string][]} */
const VARIANTS = [['switchboard-icon.svg', 'switchboard-icon'], ['switchboard-icon-dark.svg', 'switchboard-icon-dark']]

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] })
try {
  for (const [svg, base] of VARIANTS) {
    const markup = readFileSync(join(BRAND, svg), 'utf8')
    for (const size of ICON_SIZES) {
      const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 })
      await page.setContent(`<!doctype html><style>html,body{margin:0;background:transparent}svg{display:block;width:${size}px;height:${size}px}</style>${markup}`)
      const file = join(BRAND, `${base}-${size}.png`)
      await page.screenshot({ path: file, omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } })
      await page.close()
      process.stdout.write(`${file}\n`)
    }
  }
} finally {
  await browser.close()
}
