/**
 * The in-client OAuth flow against a stand-in for zoom.us and api.zoom.us: a real HTTP server on
 * 127.0.0.1 that checks what we send the way Zoom does (Basic auth, form body, PKCE, rotation).
 * Completing it is the only way a Zoom user is bound to an account in a multi-tenant deployment.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { getAccessToken, loadTokens } from '../../src/auth/oauth-tokens.ts'
import { credentialsOf } from '../../src/auth/settings.ts'
import { zoomAccountKey } from '../../src/auth/token-crypto.ts'
import { encryptZoomContext, ZOOM_ISSUER } from '../../src/auth/zoom-context.ts'
import { buildAuthApp, Clock, cookieHeader, openHarnessStore, sessionCookie, testConfig, type Harness } from './harness.ts'

const PROD = { id: 'prodClientId', secret: 'prod-client-secret-value-123' }
const ACCT = 'zoomAccountA'
const OTHER = 'zoomAccountB'
const REDIRECT = 'https://sb.example.test/'

interface ZoomStandIn {
  server: Server
  url: string
  /** The refresh token Zoom currently honours (rotates on every refresh). */
  liveRefresh: string | null
  refreshCalls: number
  expectedVerifier: string | null
  meId: string
  meAccount: string
  seen: Array<{ path: string; auth?: string | undefined; form?: Record<string, string> }>
}

async function readBody(req: IncomingMessage): Promise<string> {
  let s = ''
  for await (const chunk of req) s += chunk
  return s
}

async function startStandIn(): Promise<ZoomStandIn> {
  const z: ZoomStandIn = { server: createServer(), url: '', liveRefresh: null, refreshCalls: 0, expectedVerifier: null, meId: 'agent1', meAccount: ACCT, seen: [] }
  let n = 0
  z.server.on('request', async (req, res) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (req.method === 'POST' && req.url === '/oauth/token') {
      const form = Object.fromEntries(new URLSearchParams(await readBody(req)))
      z.seen.push({ path: req.url, auth: req.headers.authorization, form })
      const basic = 'Basic ' + Buffer.from(`${PROD.id}:${PROD.secret}`).toString('base64')
      if (req.headers.authorization !== basic || req.headers['content-type'] !== 'application/x-www-form-urlencoded') {
        return json(401, { reason: 'Invalid client' })
      }
      if (form['grant_type'] === 'authorization_code') {
        if (form['code'] !== 'good-code' || form['redirect_uri'] !== REDIRECT || form['code_verifier'] !== z.expectedVerifier) {
          return json(400, { reason: 'Invalid authorization code' })
        }
      } else if (form['grant_type'] === 'refresh_token') {
        z.refreshCalls++
        if (form['refresh_token'] !== z.liveRefresh) return json(400, { reason: 'Invalid Token!' })
        // Slow enough that a concurrent refresh would overlap if nothing serialized them.
        await new Promise((r) => setTimeout(r, 50))
      } else {
        return json(400, { reason: 'unsupported grant_type' })
      }
      n++
      z.liveRefresh = `refresh-${n}`
      return json(200, { access_token: `access-${n}`, token_type: 'bearer', refresh_token: z.liveRefresh, expires_in: 3600, scope: 'user:read:user' })
    }
    if (req.method === 'GET' && req.url === '/v2/users/me') {
      z.seen.push({ path: req.url, auth: req.headers.authorization })
      if (!req.headers.authorization?.startsWith('Bearer access-')) return json(401, { code: 124, message: 'Invalid access token.' })
      return json(200, { id: z.meId, account_id: z.meAccount, email: 'agent1@example.com', first_name: 'Agent', last_name: 'One' })
    }
    json(404, {})
  })
  await new Promise<void>((r) => z.server.listen(0, '127.0.0.1', r))
  z.url = `http://127.0.0.1:${(z.server.address() as AddressInfo).port}`
  return z
}

let h: Harness
let app: FastifyInstance
let zoom: ZoomStandIn
const clock = new Clock()

function context(uid: string): string {
  const ts = clock.now()
  return encryptZoomContext({ typ: 'panel', uid, ts, exp: ts + 120_000, iss: ZOOM_ISSUER, aud: PROD.id }, PROD.secret)
}

/** Opens the app from Zoom (the Home URL, with a hint that must not matter); returns the cookie. */
async function signIn(uid: string, on: FastifyInstance = app): Promise<string> {
  const res = await on.inject({ method: 'GET', url: `/?accountId=${OTHER}`, headers: { 'x-zoom-app-context': context(uid) } })
  expect(res.statusCode).toBe(200)
  return sessionCookie(res)!
}

async function start(cookie: string, on: FastifyInstance = app): Promise<{ codeChallenge: string; state: string }> {
  const res = await on.inject({ method: 'POST', url: '/api/oauth/start', headers: cookieHeader(cookie) })
  expect(res.statusCode).toBe(200)
  const body = res.json()
  zoom.expectedVerifier = body.codeChallenge
  return body
}

function complete(cookie: string, body: Record<string, unknown>, on: FastifyInstance = app) {
  return on.inject({ method: 'POST', url: '/api/oauth/complete', headers: cookieHeader(cookie), payload: { code: 'good-code', redirectUri: REDIRECT, ...body } })
}

const me = (cookie: string) => app.inject({ method: 'GET', url: '/api/session', headers: cookieHeader(cookie) })
const bindingOf = async (uid: string) =>
  (await h.store.query<{ account_id: string; source: string }>('select account_id, source from zoom_identities where zoom_user_id = $1', [uid])).rows[0] ?? null

beforeAll(async () => {
  zoom = await startStandIn()
  h = await openHarnessStore()
  const config = testConfig({
    ZOOM_CLIENT_ID: PROD.id, ZOOM_CLIENT_SECRET: PROD.secret,
    ZOOM_OAUTH_SCOPES: 'user:read:user', ZOOM_OAUTH_HOST: zoom.url, ZOOM_API_HOST: zoom.url,
  })
  app = await buildAuthApp(h.store, config, { now: clock.now })
})
afterAll(async () => {
  await app?.close()
  await h?.close()
  await new Promise((r) => zoom?.server.close(r))
})

describe('in-client OAuth (multi tenant: it binds the account)', () => {
  it('needs a session', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/oauth/start' })
    expect(res.json().error.code).toBe('UNAUTHENTICATED')
  })

  it('rejects a tampered, foreign or expired state before calling Zoom', async () => {
    const agent = await signIn('agent1')
    const other = await signIn('agent2')
    const calls = zoom.seen.length
    const { state } = await start(other)
    expect((await complete(agent, { state })).json().error.code).toBe('OAUTH_STATE_INVALID')
    const mine = await start(agent)
    expect((await complete(agent, { state: mine.state.slice(0, -2) + 'xx' })).json().error.code).toBe('OAUTH_STATE_INVALID')
    // A state belongs to the session that started the flow, not just to the user.
    const again = await signIn('agent1')
    expect((await complete(again, { state: mine.state })).json().error.code).toBe('OAUTH_STATE_INVALID')
    clock.advance(11 * 60_000)
    expect((await complete(agent, { state: mine.state })).json().error.code).toBe('OAUTH_STATE_INVALID')
    expect(zoom.seen.length).toBe(calls)
    expect(await bindingOf('agent1')).toBeNull()
  })

  it('rejects a redirect URI that is not ours and a code Zoom refuses', async () => {
    const agent = await signIn('agent1')
    const { state } = await start(agent)
    expect((await complete(agent, { state, redirectUri: 'https://evil.example/' })).json().error.code).toBe('VALIDATION_FAILED')
    const bad = await complete(agent, { state, code: 'bad-code' })
    expect(bad.statusCode).toBe(502)
    expect(bad.json().error.code).toBe('OAUTH_EXCHANGE_FAILED')
    expect(await bindingOf('agent1')).toBeNull()
  })

  it('refuses a token that belongs to someone else, and binds nothing', async () => {
    const agent = await signIn('agent1')
    const { state } = await start(agent)
    zoom.meId = 'intruder'
    try {
      const res = await complete(agent, { state })
      expect(res.json().error.code).toBe('FORBIDDEN')
    } finally {
      zoom.meId = 'agent1'
    }
    expect(await bindingOf('agent1')).toBeNull()
    expect(await bindingOf('intruder')).toBeNull()
  })

  it('exchanges the code with PKCE (plain), binds the account /v2/users/me names, answers the bound session, stores tokens encrypted', async () => {
    const pending = await signIn('agent1')
    expect((await me(pending)).json().error.code).toBe('ACCOUNT_NOT_CONNECTED')
    const { state, codeChallenge } = await start(pending)
    const res = await complete(pending, { state })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({ connected: true, scopes: ['user:read:user'], user: { id: 'agent1', accountId: zoomAccountKey(ACCT), role: 'agent', displayName: 'Agent One' } })
    expect(body.wsToken).toBeTypeOf('string')
    const exchange = zoom.seen.filter((s) => s.path === '/oauth/token').at(-1)!
    expect(exchange.form).toEqual({ grant_type: 'authorization_code', code: 'good-code', redirect_uri: REDIRECT, code_verifier: codeChallenge })
    expect(zoom.seen.at(-1)).toMatchObject({ path: '/v2/users/me' })
    expect(await bindingOf('agent1')).toEqual({ account_id: zoomAccountKey(ACCT), source: 'oauth' })

    // The answer's cookie is the bound session; the one that started the flow is signed out.
    const bound = sessionCookie(res)!
    expect((await me(bound)).json().user).toMatchObject({ id: 'agent1', accountId: zoomAccountKey(ACCT) })
    expect((await me(pending)).statusCode).toBe(401)

    const rows = await h.store.query<Record<string, string>>('select * from oauth_tokens')
    expect(rows.rows).toHaveLength(1)
    const row = rows.rows[0]!
    expect(row['account_id']).toBe(zoomAccountKey(ACCT))
    expect(row['zoom_user_id']).toBe('agent1')
    expect(JSON.stringify(row)).not.toMatch(/access-\d|refresh-\d/)

    const status = await app.inject({ method: 'GET', url: '/api/oauth/status', headers: cookieHeader(bound) })
    expect(status.json()).toMatchObject({ enabled: true, connected: true, scopes: ['user:read:user'] })
    // From now on opening the app signs straight in to that account, whatever the Home URL says.
    const next = await signIn('agent1')
    expect((await me(next)).json().user.accountId).toBe(zoomAccountKey(ACCT))
  })

  it('refreshes near expiry, keeps the newest refresh token, and never spends one twice', async () => {
    const agent = await signIn('agent1')
    const before = zoom.refreshCalls
    const live = zoom.liveRefresh
    clock.advance(3600_000)
    const status = await app.inject({ method: 'GET', url: '/api/oauth/status', headers: cookieHeader(agent) })
    expect(status.json()).toMatchObject({ connected: true })
    expect(zoom.refreshCalls).toBe(before + 1)
    expect(zoom.seen.filter((s) => s.path === '/oauth/token').at(-1)!.form!['refresh_token']).toBe(live)

    // Two refreshes at once (two nodes, say): one call to Zoom, both get the new token.
    clock.advance(3600_000)
    const deps = {
      store: h.store, key: app.authSettings.tokenKey, hosts: app.authSettings.oauth.hosts, now: clock.now,
      credentials: (k: 'production' | 'development') => credentialsOf(app.authSettings, k),
    }
    const account = zoomAccountKey(ACCT)
    const [a, b] = await Promise.all([getAccessToken(deps, account, 'agent1'), getAccessToken(deps, account, 'agent1')])
    expect(zoom.refreshCalls).toBe(before + 2)
    expect(a!.accessToken).toBe(b!.accessToken)
    const stored = await loadTokens(h.store, deps.key, account, 'agent1')
    expect(stored!.refreshToken).toBe(zoom.liveRefresh)
  })

  it('a later verified answer moves the user (they changed Zoom accounts); the old session ends', async () => {
    const old = await signIn('agent1')
    const { state } = await start(old)
    zoom.meAccount = OTHER
    try {
      const res = await complete(old, { state })
      expect(res.json().user.accountId).toBe(zoomAccountKey(OTHER))
    } finally {
      zoom.meAccount = ACCT
    }
    expect((await bindingOf('agent1'))!.account_id).toBe(zoomAccountKey(OTHER))
    expect((await me(old)).statusCode).toBe(401)
  })
})

describe('in-client OAuth, single tenant', () => {
  it('accepts only the account this deployment serves', async () => {
    const single = await buildAuthApp(h.store, testConfig({
      ZOOM_CLIENT_ID: PROD.id, ZOOM_CLIENT_SECRET: PROD.secret, ZOOM_ACCOUNT_ID: ACCT,
      ZOOM_OAUTH_ENABLED: 'true', ZOOM_OAUTH_HOST: zoom.url, ZOOM_API_HOST: zoom.url,
    }), { now: clock.now })
    try {
      const agent = await signIn('agent3', single)
      let { state } = await start(agent, single)
      zoom.meId = 'agent3'
      zoom.meAccount = OTHER
      const foreign = await complete(agent, { state }, single)
      expect(foreign.json().error.code).toBe('FORBIDDEN')
      zoom.meAccount = ACCT
      ;({ state } = await start(agent, single))
      const ok = await complete(agent, { state }, single)
      expect(ok.json().user).toMatchObject({ id: 'agent3', accountId: zoomAccountKey(ACCT) })
      // Single tenant keeps no bindings: the account is the deployment's.
      expect(await bindingOf('agent3')).toBeNull()
    } finally {
      zoom.meId = 'agent1'
      zoom.meAccount = ACCT
      await single.close()
    }
  })
})

describe('OAuth switched off (single tenant)', () => {
  it('answers OAUTH_DISABLED', async () => {
    const off = await buildAuthApp(h.store, testConfig({ ZOOM_CLIENT_ID: PROD.id, ZOOM_CLIENT_SECRET: PROD.secret, ZOOM_ACCOUNT_ID: ACCT }))
    try {
      const res = await off.inject({ method: 'POST', url: '/api/oauth/start' })
      expect(res.statusCode).toBe(404)
      expect(res.json().error.code).toBe('OAUTH_DISABLED')
      expect((await off.inject({ method: 'GET', url: '/api/oauth/status' })).json()).toMatchObject({ enabled: false })
    } finally {
      await off.close()
    }
  })
})
