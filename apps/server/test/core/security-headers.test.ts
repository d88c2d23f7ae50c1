/**
 * Zoom renders a Home URL only when the response carries HSTS, nosniff, a CSP and a
 * Referrer-Policy: check them on every kind of response the server can produce.
 */
import { AppError } from '@switchboard/protocol'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { openPgliteStore } from '../../src/store/pglite.ts'
import { migrate } from '../../src/store/migrate.ts'
import type { Store } from '../../src/store/port.ts'
import { IMMUTABLE, NO_CACHE } from '../../src/plugins/web-app.ts'
import { ASSET, coreConfig, fakeWebRoot } from './helpers.ts'

let store: Store
let web: ReturnType<typeof fakeWebRoot>
let app: FastifyInstance

beforeAll(async () => {
  store = await openPgliteStore({ logger: { debug() {}, info() {}, warn() {}, error() {} } })
  await migrate(store)
  web = fakeWebRoot()
  app = await buildApp({
    config: coreConfig({ PUBLIC_URL: 'https://switchboard.example.com' }),
    store,
    webRoot: web.root,
  })
  app.get('/test/boom', async () => {
    throw new Error('database password is hunter2')
  })
  app.get('/test/forbidden', async () => {
    throw new AppError('FORBIDDEN')
  })
  app.post('/test/echo', { schema: { body: { type: 'object', required: ['n'], properties: { n: { type: 'number' } } } } }, async (req) => req.body)
})

afterAll(async () => {
  await app?.close()
  await store?.close()
  web?.remove()
})

function expectSecurityHeaders(res: LightMyRequestResponse) {
  expect(res.headers['strict-transport-security']).toBe('max-age=31536000')
  expect(res.headers['x-content-type-options']).toBe('nosniff')
  expect(res.headers['referrer-policy']).toBe('same-origin')
  const csp = String(res.headers['content-security-policy'])
  expect(csp).toContain("default-src 'self'")
  expect(csp).toContain("script-src 'self'")
  expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/)
  expect(csp).toMatch(/connect-src 'self' wss:\/\/switchboard\.example\.com/)
  expect(csp).toMatch(/frame-ancestors 'self' https:\/\/\*\.zoom\.us https:\/\/\*\.zoom\.com/)
}

const html = { accept: 'text/html,application/xhtml+xml' }

describe('security headers on every response kind', () => {
  it('HTML page (the Home URL), not cached', async () => {
    const res = await app.inject({ url: '/', headers: html })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/html/)
    expect(res.headers['cache-control']).toBe(NO_CACHE)
    expect(res.body).toContain('<title>agent</title>')
    expectSecurityHeaders(res)
  })

  it('HTML page with Zoom Home URL template query parameters', async () => {
    const res = await app.inject({ url: '/?accountId=none&runningContext=inContactCenter', headers: html })
    expect(res.statusCode).toBe(200)
    expectSecurityHeaders(res)
  })

  it('supervisor page by file name and by clean URL', async () => {
    for (const url of ['/supervisor.html', '/supervisor']) {
      const res = await app.inject({ url, headers: html })
      expect(res.statusCode).toBe(200)
      expect(res.body).toContain('<title>supervisor</title>')
      expectSecurityHeaders(res)
    }
  })

  it('hashed static asset, cached immutably', async () => {
    const res = await app.inject({ url: ASSET })
    expect(res.statusCode).toBe(200)
    expect(res.headers['cache-control']).toBe(IMMUTABLE)
    expect(res.headers['content-type']).toMatch(/javascript/)
    expectSecurityHeaders(res)
  })

  it('the agent app\'s service worker, revalidated on every load so a deploy reaches its update check', async () => {
    const res = await app.inject({ url: '/sw.js' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/javascript/)
    expect(res.headers['cache-control']).toBe(NO_CACHE)
    expectSecurityHeaders(res)
  })

  it('unhashed static file is not immutable', async () => {
    const res = await app.inject({ url: '/favicon.svg' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['cache-control']).not.toContain('immutable')
    expectSecurityHeaders(res)
  })

  it('JSON', async () => {
    const res = await app.inject({ url: '/healthz' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ status: 'ok' })
    expectSecurityHeaders(res)
  })

  it('SPA fallback for unknown page paths', async () => {
    const res = await app.inject({ url: '/engagements/abc', headers: html })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('<title>agent</title>')
    expect(res.headers['cache-control']).toBe(NO_CACHE)
    expectSecurityHeaders(res)
  })

  it.each<[string, InjectOptions, number, string]>([
    ['404 for unknown API routes, as JSON with a catalog code', { url: '/api/nope', headers: html }, 404, 'ROUTE_NOT_FOUND'],
    ['404 for a missing asset (no HTML fallback for files)', { url: '/assets/missing-123.js', headers: html }, 404, 'ROUTE_NOT_FOUND'],
    ['AppError maps to its catalog status and code', { url: '/test/forbidden' }, 403, 'FORBIDDEN'],
    ['schema validation error is VALIDATION_FAILED', { method: 'POST', url: '/test/echo', payload: { n: 'x' } }, 400, 'VALIDATION_FAILED'],
    ['malformed JSON body is a 400 with a catalog code',
      { method: 'POST', url: '/test/echo', payload: '{"n":', headers: { 'content-type': 'application/json' } }, 400, 'VALIDATION_FAILED'],
  ])('%s', async (_name, request, status, code) => {
    const res = await app.inject(request)
    expect(res.statusCode).toBe(status)
    expect(res.json().error.code).toBe(code)
    expectSecurityHeaders(res)
  })

  it('500 error without internals', async () => {
    const res = await app.inject({ url: '/test/boom', headers: { 'x-request-id': 'req-42' } })
    expect(res.statusCode).toBe(500)
    expect(res.json()).toEqual({ error: { code: 'INTERNAL', message: expect.any(String), requestId: 'req-42' } })
    expect(res.body).not.toContain('hunter2')
    expectSecurityHeaders(res)
  })

  it('the emulator page is served while dev sign-in is on', async () => {
    const res = await app.inject({ url: '/simulator.html', headers: html })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('<title>simulator</title>')
    expectSecurityHeaders(res)
  })
})

describe('request ids', () => {
  it('echoes a sane incoming x-request-id and replaces an unsafe one', async () => {
    const ok = await app.inject({ url: '/api/nope', headers: { 'x-request-id': 'lb-7f3a' } })
    expect(ok.headers['x-request-id']).toBe('lb-7f3a')
    expect(ok.json().error.requestId).toBe('lb-7f3a')
    const bad = await app.inject({ url: '/api/nope', headers: { 'x-request-id': '<script>alert(1)</script>' } })
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
  })
})

describe('without dev sign-in', () => {
  it('does not serve the emulator page', async () => {
    const zoomApp = await buildApp({
      config: coreConfig({ PUBLIC_URL: 'https://switchboard.example.com', ZOOM_CLIENT_ID: 'client-id', ZOOM_CLIENT_SECRET: 'client-secret' }),
      store,
      webRoot: web.root,
    })
    try {
      for (const url of ['/simulator.html', '/simulator']) {
        const res = await zoomApp.inject({ url, headers: html })
        expect(res.statusCode).toBe(404)
        expectSecurityHeaders(res)
      }
    } finally {
      await zoomApp.close()
    }
  })
})
