/**
 * The IndexedDB outbox in real Chromium (IndexedDB is not mocked): the module is bundled with
 * esbuild into a page served from 127.0.0.1, so the page has a real origin and storage.
 * Skipped when Chromium is missing outside CI.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { build } from 'esbuild'
import { browserForFile, haveChromium } from '../../../tests/support/chromium.ts'
import type * as Entry from './browser/entry.ts'
import { FakeServer } from './helpers/fake-server.ts'

declare global {
  // The bundle's global in the tab.page.
  var P: typeof Entry
}

const CI = process.env['CI'] !== undefined && process.env['CI'] !== '' && process.env['CI'] !== 'false'

describe.skipIf(!CI && !haveChromium)('IndexedDbOutbox in Chromium', () => {
  const chromium = browserForFile()
  const tab = chromium.pagePerTest() // fresh storage per test
  let http: Server
  let origin: string

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
  })

  afterAll(async () => {
    await new Promise((resolve) => http?.close(resolve))
  })

  beforeEach(async () => {
    await tab.page.goto(origin)
  })

  const op = (n: number) => ({ type: 'engagement.focus', opId: `0190f3a2-7b1c-7def-8abc-${String(n).padStart(12, '0')}`, engagementId: `e${n}`, at: n })

  it('keeps ops across a reload, in order, without deleted ones', async () => {
    await tab.page.evaluate(async (ops) => {
      const outbox = new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: 'tab-1' })
      await outbox.load()
      for (const o of ops) await outbox.put(o as never)
      await outbox.delete(ops[1]!.opId)
    }, [op(1), op(2), op(3)])
    await tab.page.reload()
    const loaded = await tab.page.evaluate(async () => {
      const outbox = new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: 'tab-1' })
      return (await outbox.load()).map((o) => o.opId)
    })
    expect(loaded).toEqual([op(1).opId, op(3).opId])
  })

  it('does not let two tabs clobber each other, even with the same clientId', async () => {
    const result = await tab.page.evaluate(async (ops) => {
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

  it('adopts the ops of a closed tab or a lost lock of the same user only', async () => {
    const result = await tab.page.evaluate(async (ops) => {
      const live = new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: 'live-tab' })
      await live.load() // before the others exist, so it adopts nothing itself
      const closed = new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: 'closed-tab' })
      await closed.load()
      await closed.put(ops[0] as never)
      closed.close() // releases its lock
      // Holds no lock (as after a crash) and never wrote a lease.
      const crashed = new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: 'crashed-tab', locks: null })
      await crashed.put(ops[1] as never)
      await live.put(ops[2] as never)
      const otherUser = new P.IndexedDbOutbox({ namespace: 'a1/u2', clientId: 'u2-tab', locks: null })
      await otherUser.put(ops[3] as never) // dead, but another user's
      const next = new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: 'new-tab' })
      const adopted = (await next.load()).map((o) => o.opId)
      const closedAgain = new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: 'closed-tab' })
      const liveAgain = new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: 'live-tab' })
      return {
        usesLocks: next.usesLocks,
        adopted,
        closedAgain: (await closedAgain.load()).map((o) => o.opId),
        liveAgain: (await liveAgain.load()).map((o) => o.opId),
      }
    }, [op(1), op(2), op(3), op(4)])
    expect(result.usesLocks).toBe(true)
    expect(result.adopted.sort()).toEqual([op(1).opId, op(2).opId])
    expect(result.closedAgain).toEqual([])
    expect(result.liveAgain).toEqual([op(3).opId])
  })

  it('adopts a closed page\'s ops at once, and never those of a page still open', async () => {
    const other = await tab.context.newPage()
    await other.goto(origin)
    await other.evaluate(async (ops) => {
      const outbox = new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: 'page-a' })
      await outbox.load()
      for (const o of ops) await outbox.put(o as never)
      ;(globalThis as unknown as { outbox: unknown }).outbox = outbox // keep it (and its lock) alive
    }, [op(1), op(2)])
    await tab.page.evaluate(() => {
      ;(globalThis as unknown as { outbox: InstanceType<typeof P.IndexedDbOutbox> }).outbox =
        new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: 'page-b' })
    })
    const adopt = () => tab.page.evaluate(async () =>
      (await (globalThis as unknown as { outbox: InstanceType<typeof P.IndexedDbOutbox> }).outbox.adopt()).map((o) => o.opId))
    expect(await tab.page.evaluate(async () =>
      (await (globalThis as unknown as { outbox: InstanceType<typeof P.IndexedDbOutbox> }).outbox.load()).map((o) => o.opId))).toEqual([])
    expect(await adopt()).toEqual([]) // page A is open: its lock is held
    await other.close() // no pagehide write, no lease release: only the browser dropping the lock
    const adopted: string[] = []
    await expect.poll(async () => adopted.push(...await adopt()) && adopted, { timeout: 5_000 })
      .toEqual([op(1).opId, op(2).opId])
    const after = await tab.page.evaluate(async () => ({
      pageA: (await new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: 'page-a' }).load()).map((o) => o.opId),
      pageB: (await new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: 'page-b', locks: null }).load()).map((o) => o.opId),
    }))
    expect(after).toEqual({ pageA: [], pageB: [op(1).opId, op(2).opId] })
  })

  it('without Web Locks, judges by lease: a released or stale lease is adopted, a fresh one is not', async () => {
    const result = await tab.page.evaluate(async (ops) => {
      let now = 1_000_000
      const o = (clientId: string) => new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId, locks: null, now: () => now, staleMs: 120_000 })
      const live = o('live-tab')
      await live.load()
      await live.put(ops[0] as never)
      const quiet = o('quiet-tab')
      await quiet.load()
      await quiet.put(ops[2] as never)
      const closed = o('closed-tab')
      await closed.load()
      await closed.put(ops[1] as never)
      closed.close() // releases its lease
      const next = o('new-tab')
      const first = (await next.load()).map((x) => x.opId)
      now += 121_000 // nobody renewed: quiet-tab's (and live-tab's) leases are stale now
      const later = (await next.adopt()).map((x) => x.opId)
      for (const x of [live, quiet, next]) x.close()
      return { usesLocks: next.usesLocks, first, later }
    }, [op(1), op(2), op(3)])
    expect(result).toEqual({ usesLocks: false, first: [op(2).opId], later: [op(1).opId, op(3).opId] })
  })

  it('an op the outbox could not store (a proxy) can be stored later, and the SyncClient stores plain copies', async () => {
    const result = await tab.page.evaluate(async () => {
      const outbox = new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: 'tab-proxy' })
      await outbox.load()
      const reactive = new Proxy({ engagementId: 'e1', queueName: 'Billing' }, {}) // like a Svelte $state
      const observe = { type: 'engagement.observe', opId: '0190f3a2-7b1c-7def-8abc-000000000001', engagementId: 'e1', context: reactive, at: 1 }
      const error = await outbox.put(observe as never).then(() => null, (e: unknown) => (e as Error).name)
      await outbox.put(JSON.parse(JSON.stringify(observe)) as never)
      const client = new P.SyncClient({ url: 'ws://127.0.0.1:9/ws', WebSocket, clientId: 'tab-proxy', surface: 'agent', outbox })
      client.setOnline(false)
      await client.start()
      const errors: unknown[] = []
      client.on('outboxError', (e) => errors.push(e))
      const opId = await client.send({ type: 'engagement.observe', engagementId: 'e2', context: new Proxy({ engagementId: 'e2' }, {}), at: 2 })
      client.close()
      outbox.close()
      const stored = await new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: 'tab-proxy' }).load()
      return { error, errors: errors.length, opId, stored: stored.map((o) => [o.opId, (o as { context?: unknown }).context]) }
    })
    expect(result.error).toBe('DataCloneError')
    expect(result.errors).toBe(0)
    expect(result.stored).toEqual([
      ['0190f3a2-7b1c-7def-8abc-000000000001', { engagementId: 'e1', queueName: 'Billing' }],
      [result.opId, { engagementId: 'e2' }],
    ])
  })

  it('with the SyncClient: a page closed with unsent ops has them sent by an open page, without a reconnect', async () => {
    const server = await FakeServer.start()
    try {
      await tab.page.evaluate((url) => {
        const outbox = new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: 'stays-open' })
        const client = new P.SyncClient({ url, WebSocket, clientId: 'stays-open', surface: 'agent', outbox, adoptEveryMs: 200 })
        ;(globalThis as unknown as { client: typeof client }).client = client
        return client.start()
      }, server.url)
      await expect.poll(() => server.messages('hello').length).toBe(1)
      const closing = await tab.context.newPage()
      await closing.goto(origin)
      const opIds = await closing.evaluate(async () => {
        const outbox = new P.IndexedDbOutbox({ namespace: 'a1/u1', clientId: 'closes' })
        const client = new P.SyncClient({ url: 'ws://127.0.0.1:9/ws', WebSocket, clientId: 'closes', surface: 'agent', outbox })
        client.setOnline(false) // never sends
        await client.start()
        ;(globalThis as unknown as { client: typeof client }).client = client
        return [
          await client.send({ type: 'engagement.focus', engagementId: 'e1', at: 1 }),
          await client.send({ type: 'engagement.focus', engagementId: 'e2', at: 2 }),
        ]
      })
      await closing.close()
      await expect.poll(() => server.ops(), { timeout: 10_000 }).toEqual(opIds)
      expect(server.connections).toBe(1)
      await expect.poll(() => tab.page.evaluate(() =>
        (globalThis as unknown as { client: InstanceType<typeof P.SyncClient> }).client.pending)).toBe(0)
    } finally {
      await server.close()
    }
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
      await tab.page.evaluate(script, server.url)
      const opId = await tab.page.evaluate(() =>
        (globalThis as unknown as { client: InstanceType<typeof P.SyncClient> }).client.send({ type: 'engagement.focus', engagementId: 'e1', at: 1 }))
      await expect.poll(() => server.ops(1)).toEqual([opId])
      await tab.page.reload()
      server.autoAck = true
      await tab.page.evaluate(script, server.url)
      await expect.poll(() => server.ops(2)).toEqual([opId])
      const tabIds = server.messages('hello').map((m) => (m as { clientId: string }).clientId)
      expect(tabIds).toHaveLength(2)
      expect(tabIds[1]).toBe(tabIds[0]) // sessionStorage keeps the tab's clientId across reload
      await expect.poll(() => tab.page.evaluate(() =>
        (globalThis as unknown as { client: InstanceType<typeof P.SyncClient> }).client.pending)).toBe(0)
    } finally {
      await server.close()
    }
  })
})
