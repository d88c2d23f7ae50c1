/**
 * The supervisor dashboard in Chromium, built by Vite in production mode, fed by the scale harness
 * (apps/web/src/supervisor/bench/scale.html: the real Dashboard, Board and Connection class with
 * the socket replaced by a synthetic account of 500 live engagements and 200 agents).
 *
 * Checks behaviour (keyboard, URL filters, live notes, whispers, resnapshot) and prints the
 * measured update cost; it asserts no timings (performance figures are reported, not gated).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { build, preview, type PreviewServer } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserForFile, haveChromium } from '../support/chromium.ts'

const WEB = resolve(import.meta.dirname, '../../apps/web')
const HARNESS = '/src/supervisor/bench/scale.html'

interface ScaleApi {
  ready: boolean
  rows(): number
  renderedRows(): number
  rosterRows(): number
  boardSize(): number
  type(id: string, text: string): void
  read(id: string, whisperSeq: number): void
  resnapshot(keep?: number): void
  subscriptions(): string[]
  firstEngagementId(): string | null
  measureUpdates(o?: { deltas?: number; changes?: number; ticks?: number }): unknown
  measureStream(o?: { seconds?: number; intervalMs?: number; changes?: number }): Promise<unknown>
}
declare global { interface Window { supervisorScale: ScaleApi } }

describe.skipIf(!haveChromium)('supervisor dashboard (scale harness)', () => {
  const chromium = browserForFile()
  const tab = chromium.pagePerTest({ viewport: { width: 1440, height: 900 } })
  let outDir: string
  let server: PreviewServer
  let origin: string

  beforeAll(async () => {
    // A production build of the harness page alone (the app's config, no API proxy: REST calls
    // answer 404 and the page must cope), served by Vite's static preview server.
    outDir = await mkdtemp(join(tmpdir(), 'sb-supervisor-scale-'))
    const common = { configFile: resolve(WEB, 'vite.config.ts'), root: WEB, logLevel: 'error' as const }
    await build({
      ...common,
      build: { outDir, emptyOutDir: true, rolldownOptions: { input: { scale: join(WEB, HARNESS) } } },
    })
    server = await preview({
      ...common,
      build: { outDir },
      server: { proxy: {} },
      preview: { port: 0, strictPort: false, host: '127.0.0.1', proxy: {} },
    })
    const addr = server.httpServer.address()
    if (!addr || typeof addr === 'string') throw new Error('vite preview did not listen')
    origin = `http://127.0.0.1:${addr.port}`
  })
  afterAll(async () => {
    await server?.close()
    if (outDir) await rm(outDir, { recursive: true, force: true })
  })

  async function open(query = ''): Promise<void> {
    await tab.page.goto(`${origin}${HARNESS}${query}`)
    await tab.page.waitForFunction(() => window.supervisorScale?.ready === true, undefined, { timeout: 60_000 })
    await expect.poll(() => tab.page.evaluate(() => window.supervisorScale.rows()), { timeout: 30_000 }).toBeGreaterThan(0)
  }

  it('renders 500 live engagements and 200 agents and stays current through a delta stream; reports update cost', async () => {
    await open()
    expect(await tab.page.evaluate(() => window.supervisorScale.rows())).toBe(500)
    expect(await tab.page.evaluate(() => window.supervisorScale.rosterRows())).toBe(200)
    // Virtualized: only the rows in view (plus overscan) are in the DOM.
    const rendered = await tab.page.evaluate(() => window.supervisorScale.renderedRows())
    expect(rendered).toBeGreaterThan(10)
    expect(rendered).toBeLessThan(100)

    const updates = await tab.page.evaluate(() => window.supervisorScale.measureUpdates({ deltas: 200, changes: 50, ticks: 60 }))
    const stream = await tab.page.evaluate(() => window.supervisorScale.measureStream({ seconds: 8, intervalMs: 250, changes: 50 }))
    process.stdout.write(`[supervisor-scale] 500 engagements, 200 agents, 50 changes per delta\n`
      + `  updates: ${JSON.stringify(updates)}\n  stream:  ${JSON.stringify(stream)}\n`)

    // The table still reports the whole board after all those deltas (ended ones replaced), and
    // scrolling to the end renders the last rows without duplicates.
    await expect.poll(() => tab.page.evaluate(() => window.supervisorScale.rows())).toBe(await tab.page.evaluate(() => window.supervisorScale.boardSize()))
    await tab.page.locator('table.board tbody tr:not(.spacer)').first().focus()
    await tab.page.keyboard.press('End')
    const last = await tab.page.evaluate(() => document.activeElement?.getAttribute('aria-rowindex'))
    expect(last).toBe(String(500 + 1))
    const domIds = await tab.page.$$eval('table.board tbody tr:not(.spacer)', (trs) => trs.map((tr) => tr.getAttribute('data-id')))
    expect(new Set(domIds).size).toBe(domIds.length)
  })

  it('sorts by keyboard, opens a row with Enter, shows live notes, closes with Escape and returns focus', async () => {
    await open()
    const agentHeader = tab.page.getByRole('button', { name: /^Agent/ }).first()
    await agentHeader.focus()
    await tab.page.keyboard.press('Enter')
    await expect.poll(() => tab.page.locator('th[aria-sort]').first().textContent()).toContain('Agent')
    await expect.poll(() => tab.page.evaluate(() => location.search)).toContain('sort=agent')
    expect(await tab.page.locator('th[aria-sort]').first().getAttribute('aria-sort')).toBe('ascending')

    const first = tab.page.locator('table.board tbody tr:not(.spacer)').first()
    const id = await first.getAttribute('data-id')
    if (id === null) throw new Error('the first row has no data-id')
    await first.focus()
    await tab.page.keyboard.press('ArrowDown')
    const second = tab.page.locator('table.board tbody tr:not(.spacer)').nth(1)
    const secondId = await second.getAttribute('data-id')
    expect(await tab.page.evaluate(() => document.activeElement?.getAttribute('data-id'))).toBe(secondId)
    await tab.page.keyboard.press('ArrowUp')
    await tab.page.keyboard.press('Enter')

    const dialog = tab.page.getByRole('dialog')
    await expect.poll(() => dialog.isVisible()).toBe(true)
    expect(await tab.page.evaluate(() => document.activeElement?.id)).toBe('drill-heading')
    await expect.poll(() => tab.page.evaluate(() => location.search)).toContain(`open=${id}`)
    await expect.poll(() => tab.page.locator('.drill-notes').textContent()).toContain('Customer called about an order.')
    await expect.poll(() => tab.page.evaluate((eid) => window.supervisorScale.subscriptions().includes(eid), id)).toBe(true)

    await tab.page.evaluate((eid) => window.supervisorScale.type(eid, 'Refund approved'), id)
    await expect.poll(() => tab.page.locator('.drill-notes').textContent()).toContain('Refund approved')
    expect(await tab.page.locator('.drill-wrapup').textContent()).toContain('Resolved')

    await tab.page.keyboard.press('Escape')
    await expect.poll(() => dialog.count()).toBe(0)
    expect(await tab.page.evaluate(() => document.activeElement?.getAttribute('data-id'))).toBe(id)
    expect(await tab.page.evaluate(() => location.search)).not.toContain('open=')
    await expect.poll(() => tab.page.evaluate((eid) => window.supervisorScale.subscriptions().includes(eid), id)).toBe(false)
  })

  it('keeps filters in the URL across a reload', async () => {
    await open()
    await tab.page.getByLabel('State', { exact: true }).selectOption('inactive')
    await expect.poll(() => tab.page.evaluate(() => location.search)).toContain('state=inactive')
    const states = await tab.page.$$eval('table.board tbody tr:not(.spacer) .state', (els) => [...new Set(els.map((e) => e.textContent))])
    expect(states).toEqual(['Inactive'])
    const shown = await tab.page.evaluate(() => window.supervisorScale.rows())
    expect(shown).toBeGreaterThan(0)
    expect(shown).toBeLessThan(500)

    await tab.page.reload()
    await tab.page.waitForFunction(() => window.supervisorScale?.ready === true)
    await expect.poll(() => tab.page.evaluate(() => window.supervisorScale.rows())).toBe(shown)
    expect(await tab.page.getByLabel('State', { exact: true }).inputValue()).toBe('inactive')

    await tab.page.getByRole('button', { name: 'Clear filters' }).click()
    await expect.poll(() => tab.page.evaluate(() => window.supervisorScale.rows())).toBe(500)
    expect(await tab.page.evaluate(() => location.search)).toBe('')
  })

  it('sends a whisper and shows delivered, then read', async () => {
    await open()
    const id = await tab.page.evaluate(() => window.supervisorScale.firstEngagementId())
    await tab.page.goto(`${origin}${HARNESS}?open=${encodeURIComponent(id!)}`)
    await tab.page.waitForFunction(() => window.supervisorScale?.ready === true)
    const box = tab.page.getByRole('textbox', { name: /Whisper to/ })
    await box.fill('Offer the 10% credit')
    await tab.page.getByRole('button', { name: 'Send whisper' }).click()
    const item = tab.page.locator('.whispers li').first()
    await expect.poll(() => item.textContent()).toContain('Delivered')
    expect(await item.textContent()).toContain('Offer the 10% credit')
    expect(await box.inputValue()).toBe('')
    await tab.page.evaluate((eid) => window.supervisorScale.read(eid!, 2), id)
    await expect.poll(() => item.getAttribute('data-status')).toBe('read')
  })

  it('fits a 1280 and a 1024 wide window: no clipped columns, the notes column keeps a readable width', async () => {
    for (const width of [1280, 1024]) {
      await tab.page.setViewportSize({ width, height: 800 })
      await open()
      const m = await tab.page.evaluate(() => {
        const wrap = document.querySelector<HTMLElement>('.board-wrap')!
        const notes = document.querySelector<HTMLElement>('table.board th.c-notes')!
        const roster = document.querySelector<HTMLElement>('.sv-roster-wrap')!
        const name = document.querySelector<HTMLElement>('table.roster tbody tr:not(.spacer) td')!
        return {
          boardOverflow: wrap.scrollWidth - wrap.clientWidth,
          pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
          notesRightEdge: notes.getBoundingClientRect().right - wrap.getBoundingClientRect().right,
          notesWidth: notes.getBoundingClientRect().width,
          rosterOverflow: roster.scrollWidth - roster.clientWidth,
          nameClipped: name.scrollWidth > name.clientWidth,
        }
      })
      expect(m, `at ${width}px`).toMatchObject({ boardOverflow: 0, pageOverflow: 0, rosterOverflow: 0, nameClipped: false })
      expect(m.notesRightEdge, `at ${width}px`).toBeLessThanOrEqual(0)
      expect(m.notesWidth, `at ${width}px`).toBeGreaterThanOrEqual(120)
    }
  })

  it('replaces the board on a new snapshot (reconnect) without a reload', async () => {
    await open()
    await tab.page.evaluate(() => window.supervisorScale.measureUpdates({ deltas: 20, changes: 50, ticks: 0 }))
    await tab.page.evaluate(() => window.supervisorScale.resnapshot(120))
    await expect.poll(() => tab.page.evaluate(() => window.supervisorScale.rows())).toBe(120)
    await tab.page.evaluate(() => window.supervisorScale.resnapshot())
    await expect.poll(() => tab.page.evaluate(() => window.supervisorScale.rows())).toBe(500)
  })
})
