/**
 * The IndexedDB outbox in real Chromium (IndexedDB is not mocked): the module is bundled with
 * esbuild into a page served from 127.0.0.1, so the page has a real origin and storage.
 * Skipped when Chromium is missing outside CI.
 */
import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { build } from 'esbuild'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import type * as Entry from './browser/entry.ts'
import { FakeServer } from './helpers/fake-server.ts'

declare global {
  // The bundle's global in the page.
  var P: typeof Entry
}

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
const CI = process.env['CI'] !== undefined && process.env['CI'] !== '' && process.env['CI'] !== 'false'
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--no-first-run', '--disable-quic', '--disable-sync',
]

describe.skipIf(!CI && !existsSync(CHROMIUM))('IndexedDbOutbox in Chromium', () => {
  let http: Server
  let origin: string
  let browser: Browser
  let context: BrowserContext
  let page: Page

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [fileURLToPath(new URL('./browser/entry.ts', import.meta.url))],
      bundle: true, format: 'iife', globalName: 'P', write: false, platform: 'browser', target: 'es2022',
    })
    const script = bundle.outputFiles[0]!.text
    http = createServer((req, res) => {
      if (req.url === '/bundle.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(script)
      } else {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script src="/bundle.js"></script>')
      }
    })
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
  })

  afterAll(async () => {
    await browser?.close()
    await new Promise((resolve) => http?.close(resolve))
  })

  beforeEach(async () => {
    await context?.close()
    context = await browser.newContext() // fresh storage per test
    page = await context.newPage()
    await page.goto(origin)
  })

  const op = (n: number) => ({ type: 'engagement.focus', opId: `0190f3a2-7b1c-7def-8abc-${String(n).padStart(12, '0')}`, engagementId: `e${n}`, at: n })

  it('keeps ops across a reload, in order, without deleted ones', async () => {
    await page.evaluate(async (ops) => {
      const outbox = new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: 'tab-1' })
      await outbox.load()
      for (const o of ops) await outbox.put(o as never)
      await outbox.delete(ops[1]!.opId)
    }, [op(1), op(2), op(3)])
    await page.reload()
    const loaded = await page.evaluate(async () => {
      const outbox = new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: 'tab-1' })
      return (await outbox.load()).map((o) => o.opId)
    })
    expect(loaded).toEqual([op(1).opId, op(3).opId])
  })

  it('does not let two tabs clobber each other, even with the same clientId', async () => {
    const result = await page.evaluate(async (ops) => {
      const a = new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: 'dup' })
      const b = new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: 'dup' })
      const c = new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: 'other' })
      await Promise.all([a.load(), b.load(), c.load()])
      await Promise.all([a.put(ops[0] as never), b.put(ops[1] as never), c.put(ops[2] as never)])
      const again = new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: 'dup' })
      const other = new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: 'other' })
      return { dup: (await again.load()).map((o) => o.opId), other: (await other.load()).map((o) => o.opId) }
    }, [op(1), op(2), op(3)])
    expect(result.dup.sort()).toEqual([op(1).opId, op(2).opId])
    expect(result.other).toEqual([op(3).opId])
  })

  it('adopts the ops of a closed tab or a stale lease of the same user only', async () => {
    const result = await page.evaluate(async (ops) => {
      const live = new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: 'live-tab' })
      await live.load() // before the others exist, so it adopts nothing itself
      const closed = new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: 'closed-tab' })
      await closed.load()
      await closed.put(ops[0] as never)
      closed.close() // releases its lease
      const stale = new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: 'crashed-tab' })
      await stale.put(ops[1] as never) // never wrote a lease
      await live.put(ops[2] as never)
      const otherUser = new P.IndexedDbOutbox({ namespace: 'a1/u2', clientId: 'u2-tab' })
      await otherUser.load()
      await otherUser.put(ops[3] as never)
      const next = new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: 'new-tab' })
      const adopted = (await next.load()).map((o) => o.opId)
      const closedAgain = new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: 'closed-tab' })
      const liveAgain = new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: 'live-tab' })
      return {
        adopted,
        closedAgain: (await closedAgain.load()).map((o) => o.opId),
        liveAgain: (await liveAgain.load()).map((o) => o.opId),
      }
    }, [op(1), op(2), op(3), op(4)])
    expect(result.adopted.sort()).toEqual([op(1).opId, op(2).opId])
    expect(result.closedAgain).toEqual([])
    expect(result.liveAgain).toEqual([op(3).opId])
  })

  it('with the SyncClient: an op unacked before a reload is resent after it', async () => {
    const server = await FakeServer.start()
    try {
      server.autoAck = false
      const script = (url: string) => {
        const outbox = new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: P.tabClientId() })
        const client = new P.SyncClient({ url, WebSocket, clientId: P.tabClientId(), surface: 'agent', outbox })
        ;(globalThis as unknown as { client: typeof client }).client = client
        return client.start()
      }
      await page.evaluate(script, server.url)
      const opId = await page.evaluate(() =>
        (globalThis as unknown as { client: InstanceType<typeof P.SyncClient> }).client.send({ type: 'engagement.focus', engagementId: 'e1', at: 1 }))
      await expect.poll(() => server.ops(1)).toEqual([opId])
      await page.reload()
      server.autoAck = true
      await page.evaluate(script, server.url)
      await expect.poll(() => server.ops(2)).toEqual([opId])
      const tabIds = server.messages('hello').map((m) => (m as { clientId: string }).clientId)
      expect(tabIds).toHaveLength(2)
      expect(tabIds[1]).toBe(tabIds[0]) // sessionStorage keeps the tab's clientId across reload
      await expect.poll(() => page.evaluate(() =>
        (globalThis as unknown as { client: InstanceType<typeof P.SyncClient> }).client.pending)).toBe(0)
    } finally {
      await server.close()
    }
  })
})
