/**
 * The auth plugin inside the real `buildApp`: the Home URL served by the web app plugin gets the
 * session cookie and Zoom's four headers; the 401 page gets them too.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.ts'
import { zoomAccountKey } from '../../src/auth/token-crypto.ts'
import { encryptZoomContext, ZOOM_ISSUER } from '../../src/auth/zoom-context.ts'
import { cookieHeader, openHarnessStore, sessionCookie, testConfig, type Harness } from './harness.ts'

const PROD = { id: 'prodClientId', secret: 'prod-client-secret-value-123' }
const ZOOM_HEADERS = ['strict-transport-security', 'x-content-type-options', 'content-security-policy', 'referrer-policy']

let h: Harness
let app: FastifyInstance
let webRoot: string

function context(over: Record<string, unknown> = {}): string {
  const ts = Date.now()
  return encryptZoomContext({ typ: 'panel', uid: 'wired1', ts, exp: ts + 120_000, iss: ZOOM_ISSUER, aud: PROD.id, ...over }, PROD.secret)
}

beforeAll(async () => {
  h = await openHarnessStore()
  webRoot = mkdtempSync(join(tmpdir(), 'sb-web-'))
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>agent</title>')
  writeFileSync(join(webRoot, 'supervisor.html'), '<!doctype html><title>supervisor</title>')
  app = await buildApp({ config: testConfig({ ZOOM_CLIENT_ID: PROD.id, ZOOM_CLIENT_SECRET: PROD.secret, ZOOM_ACCOUNT_ID: 'acct1' }), store: h.store, webRoot })
})
afterAll(async () => {
  await app?.close()
  await h?.close()
  rmSync(webRoot, { recursive: true, force: true })
})

describe('auth inside buildApp', () => {
  it('the Home URL page carries the cookie and the Zoom headers', async () => {
    for (const url of ['/?accountId=acct2', '/supervisor.html', '/some/deep/link']) {
      const res = await app.inject({ method: 'GET', url, headers: { 'x-zoom-app-context': context(), accept: 'text/html' } })
      expect(res.statusCode, url).toBe(200)
      expect(res.headers['content-type'], url).toMatch(/^text\/html/)
      for (const name of ZOOM_HEADERS) expect(res.headers[name], `${url} ${name}`).toBeTruthy()
      const token = sessionCookie(res)
      expect(token, url).toBeTypeOf('string')
      const me = await app.inject({ method: 'GET', url: '/api/session', headers: cookieHeader(token!) })
      expect(me.json().user).toMatchObject({ id: 'wired1', accountId: zoomAccountKey('acct1') })
    }
  })

  it('the 401 page carries the Zoom headers', async () => {
    const res = await app.inject({ method: 'GET', url: '/', headers: { 'x-zoom-app-context': context({ aud: 'nope' }), accept: 'text/html' } })
    expect(res.statusCode).toBe(401)
    expect(res.headers['content-type']).toMatch(/^text\/html/)
    for (const name of ZOOM_HEADERS) expect(res.headers[name], name).toBeTruthy()
    expect(res.headers['content-security-policy']).toContain('frame-ancestors')
  })

  it('API errors from auth routes use the common error body', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/session', payload: { context: 'nope' } })
    expect(res.statusCode).toBe(401)
    expect(res.json()).toMatchObject({ error: { code: 'INVALID_APP_CONTEXT', requestId: expect.any(String) } })
  })
})
