/**
 * The doctor against the real app listening on 127.0.0.1 (plain HTTP, so HTTPS is waived for
 * the run) and against stand-ins for broken deployments.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { contactCenterCapabilities } from '../../../web/src/agent/zoom/capabilities.ts'
import { buildApp } from '../../src/app.ts'
import { checkDeployment, type CheckResult } from '../../src/doctor/checks.ts'
import { main } from '../../src/doctor/cli.ts'
import { marketplaceValues } from '../../src/doctor/marketplace.ts'
import { openHarnessStore, testConfig, type Harness } from './harness.ts'

let h: Harness
let app: FastifyInstance
let url: string
let webRoot: string

const byName = (results: CheckResult[], name: string) => results.find((r) => r.name.startsWith(name))!

async function standIn(handler: Parameters<typeof createServer>[1], onUpgrade?: (socket: Duplex) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(handler)
  if (onUpgrade) server.on('upgrade', (_req, socket) => onUpgrade(socket))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

beforeAll(async () => {
  h = await openHarnessStore()
  webRoot = mkdtempSync(join(tmpdir(), 'sb-web-'))
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>agent</title>')
  // The CSP is built from PUBLIC_URL, so the app must know the port it will listen on.
  const probe = await standIn((_req, res) => res.end())
  const port = Number(new URL(probe.url).port)
  await new Promise((r) => probe.server.close(r))
  url = `http://127.0.0.1:${port}`
  const config = testConfig({ PUBLIC_URL: url, ZOOM_DEV_CLIENT_ID: 'd', ZOOM_DEV_CLIENT_SECRET: 'dev-secret' })
  app = await buildApp({ config, store: h.store, webRoot })
  await app.listen({ port, host: '127.0.0.1' })
})
afterAll(async () => {
  await app?.close()
  await h?.close()
  rmSync(webRoot, { recursive: true, force: true })
})

describe('doctor: Marketplace values', () => {
  it('lists every SDK API and event the agent app asks for', () => {
    const off = marketplaceValues(testConfig({ ZOOM_CLIENT_ID: 'p', ZOOM_CLIENT_SECRET: 'ps', ZOOM_ACCOUNT_ID: 'acct1' }))
    expect(off.tenancy).toBe('single')
    expect([...off.sdkApis, ...off.sdkEvents].sort()).toEqual(contactCenterCapabilities().sort())
    expect(off.sdkApis.every((a) => !a.startsWith('on'))).toBe(true)
    expect(off.sdkEvents.every((e) => e.startsWith('on'))).toBe(true)
    expect([...off.sdkApis, ...off.sdkEvents]).not.toContain('authorize')
    expect(off.scopes).toEqual([])
    // Multi tenant: OAuth is how accounts are bound, so it is on, with the identity scope.
    const on = marketplaceValues(testConfig({ ZOOM_CLIENT_ID: 'p', ZOOM_CLIENT_SECRET: 'ps', ZOOM_OAUTH_SCOPES: 'meeting:read' }))
    expect(on.tenancy).toBe('multi')
    expect([...on.sdkApis, ...on.sdkEvents].sort()).toEqual(contactCenterCapabilities({ oauth: true }).sort())
    expect(on.sdkApis).toContain('authorize')
    expect(on.sdkEvents).toContain('onAuthorized')
    expect(on.scopes).toEqual(['user:read:user', 'meeting:read'])
  })

  it('derives the URLs from PUBLIC_URL', () => {
    const v = marketplaceValues(testConfig({ PUBLIC_URL: 'https://sb.example.com' }))
    expect(v).toMatchObject({
      homeUrl: 'https://sb.example.com/',
      domainAllowList: ['sb.example.com'],
      oauthRedirectUrl: 'https://sb.example.com/',
      oauthAllowList: ['https://sb.example.com'],
    })
    expect(marketplaceValues(testConfig({ PUBLIC_URL: 'http://localhost:3000' })).notes.join(' ')).toMatch(/https/)
  })
})

describe('doctor: deployment checks', () => {
  it('passes headers and readiness on the real app', async () => {
    const results = await checkDeployment(url, { allowHttp: true, timeoutMs: 5000 })
    for (const name of ['HTTPS', 'Home URL reachable', 'Home URL headers', 'CSP allows the WebSocket', 'Database ready', 'Dev sign-in off']) {
      expect(byName(results, name), name).toMatchObject({ ok: true })
    }
  })

  it('fails plain HTTP unless allowed', async () => {
    expect(byName(await checkDeployment(url, { timeoutMs: 5000 }), 'HTTPS')).toMatchObject({ ok: false, fix: expect.stringMatching(/TLS/) })
  })

  it('reports missing headers, a WebSocket not forwarded, and a database not ready', async () => {
    const broken = await standIn((req, res) => {
      if (req.url === '/readyz') {
        res.writeHead(503, { 'content-type': 'application/json' })
        return res.end(JSON.stringify({ error: { code: 'NOT_READY', message: 'Database migrations are pending.' } }))
      }
      if (req.url === '/api/dev/status') {
        res.writeHead(200, { 'content-type': 'application/json' })
        return res.end(JSON.stringify({ devSignIn: true }))
      }
      res.writeHead(200, { 'content-type': 'text/html', 'x-content-type-options': 'nosniff' })
      res.end('<!doctype html>')
    }, (socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'))
    try {
      const results = await checkDeployment(broken.url, { allowHttp: true, timeoutMs: 5000 })
      expect(byName(results, 'Home URL headers')).toMatchObject({ ok: false, detail: expect.stringContaining('strict-transport-security') })
      expect(byName(results, 'WebSocket')).toMatchObject({ ok: false, fix: expect.stringMatching(/Upgrade/) })
      expect(byName(results, 'Database ready')).toMatchObject({ ok: false, detail: expect.stringContaining('NOT_READY') })
    } finally {
      broken.server.close()
    }
  })

  it('counts a 401 on the upgrade as reachable', async () => {
    const ws = await standIn((_req, res) => res.end(), (socket) => socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n'))
    try {
      expect(byName(await checkDeployment(ws.url, { allowHttp: true, timeoutMs: 5000 }), 'WebSocket')).toMatchObject({ ok: true })
    } finally {
      ws.server.close()
    }
  })

  it('the CLI exits non-zero on failure and prints what to fix', async () => {
    let out = ''
    const code = await main(['--url', url], { SESSION_SECRET: 'x'.repeat(32) }, { out: (t) => { out += t } })
    expect(code).toBe(1)
    expect(out).toContain('Home URL')
    expect(out).toMatch(/FAIL\s+HTTPS/)
    expect(out).toContain('fix:')
    let values = ''
    expect(await main(['--values-only', '--url', 'https://sb.example.com'], {}, { out: (t) => { values += t } })).toBe(0)
    expect(values).toContain('https://sb.example.com/')
    expect(values).not.toContain('accountId')
  })
})
