import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { SESSION_COOKIE, signToken, verifyToken } from '../../src/auth/session-token.ts'
import { SESSION_TTL_MS, WS_TOKEN_TTL_MS } from '../../src/auth/settings.ts'
import { zoomAccountKey } from '../../src/auth/token-crypto.ts'
import { encryptZoomContext, ZOOM_ISSUER } from '../../src/auth/zoom-context.ts'
import { buildAuthApp, Clock, cookieHeader, openHarnessStore, SESSION_SECRET, sessionCookie, testConfig, type Harness } from './harness.ts'

const PROD = { id: 'prodClientId', secret: 'prod-client-secret-value-123' }
const DEV = { id: 'devClientId', secret: 'dev-client-secret-value-456' }
const ACCT_A = 'zoomAccountA'
const ACCT_B = 'zoomAccountB'
const A = zoomAccountKey(ACCT_A)
const B = zoomAccountKey(ACCT_B)

let h: Harness
let app: FastifyInstance
const clock = new Clock()

function ctx(over: Record<string, unknown> = {}, secret = PROD.secret): string {
  const ts = clock.now()
  return encryptZoomContext({ typ: 'panel', uid: 'agent1', ts, exp: ts + 120_000, iss: ZOOM_ISSUER, aud: PROD.id, ...over }, secret)
}

const config = testConfig({
  ZOOM_CLIENT_ID: PROD.id, ZOOM_CLIENT_SECRET: PROD.secret,
  ZOOM_DEV_CLIENT_ID: DEV.id, ZOOM_DEV_CLIENT_SECRET: DEV.secret,
  BOOTSTRAP_ADMINS: 'adminA,adminB', BOOTSTRAP_SUPERVISORS: 'supA',
})

/** Signs a user in through the Home URL with `?accountId=`; returns the cookie token. */
async function homeSignIn(uid: string, account: string): Promise<string> {
  const res = await app.inject({ method: 'GET', url: `/?accountId=${account}`, headers: { 'x-zoom-app-context': ctx({ uid }) } })
  expect(res.statusCode).toBe(200)
  const token = sessionCookie(res)
  expect(token).toBeTypeOf('string')
  return token!
}

beforeAll(async () => {
  h = await openHarnessStore()
  app = await buildAuthApp(h.store, config, { now: clock.now })
  // Every user the tests use, bound to its account on first sight.
  for (const [uid, acct] of [['agent1', ACCT_A], ['supA', ACCT_A], ['adminA', ACCT_A], ['agentB', ACCT_B], ['adminB', ACCT_B]] as const) {
    await homeSignIn(uid, acct)
  }
})
afterAll(async () => {
  await app?.close()
  await h?.close()
})

describe('Home URL sign-in', () => {
  it('a valid context sets a Secure, httpOnly, SameSite=None session cookie and serves the page', async () => {
    const res = await app.inject({ method: 'GET', url: `/index.html?accountId=${ACCT_A}`, headers: { 'x-zoom-app-context': ctx() } })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('<p>app</p>')
    const c = res.cookies.find((x) => x.name === SESSION_COOKIE)!
    expect(c).toMatchObject({ httpOnly: true, secure: true, sameSite: 'None', path: '/' })
    const v = verifyToken(SESSION_SECRET, c.value, 'session', clock.now())
    expect(v).toMatchObject({ ok: true, claims: { sub: 'agent1', acc: A, role: 'agent', cred: 'production' } })
  })

  it('a bad context gets a 401 HTML page with the code and the Zoom headers', async () => {
    const res = await app.inject({ method: 'GET', url: '/supervisor.html', headers: { 'x-zoom-app-context': ctx({}, 'wrong-secret') } })
    expect(res.statusCode).toBe(401)
    expect(res.headers['content-type']).toMatch(/^text\/html/)
    expect(res.body).toContain('INVALID_APP_CONTEXT')
    for (const name of ['strict-transport-security', 'x-content-type-options', 'content-security-policy', 'referrer-policy']) {
      expect(res.headers[name], name).toBeTruthy()
    }
    expect(sessionCookie(res)).toBeUndefined()
    const expired = await app.inject({ method: 'GET', url: '/', headers: { 'x-zoom-app-context': ctx({ exp: clock.now() - 60_000 }) } })
    expect(expired.statusCode).toBe(401)
    expect(expired.body).toContain('APP_CONTEXT_EXPIRED')
  })

  it('pages without the header, and other paths, are left alone', async () => {
    expect((await app.inject({ method: 'GET', url: '/' })).statusCode).toBe(200)
    const other = await app.inject({ method: 'GET', url: '/other.html', headers: { 'x-zoom-app-context': 'garbage' } })
    expect(other.statusCode).toBe(200)
  })

  it('a first-seen user without any account is refused; the account then stays pinned', async () => {
    const none = await app.inject({ method: 'GET', url: '/?accountId=none', headers: { 'x-zoom-app-context': ctx({ uid: 'newbie' }) } })
    expect(none.statusCode).toBe(401)
    expect(none.body).toContain('accountId={accountId}')
    // agent1 was first seen in A; a different claimed account later does not move it.
    const moved = await app.inject({ method: 'GET', url: `/?accountId=${ACCT_B}`, headers: { 'x-zoom-app-context': ctx() } })
    const v = verifyToken(SESSION_SECRET, sessionCookie(moved)!, 'session', clock.now())
    expect(v.ok && v.claims.acc).toBe(A)
  })

  it('an aid inside the context is the account', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/session', payload: { context: ctx({ uid: 'withAid', aid: ACCT_B }) } })
    expect(res.statusCode).toBe(200)
    expect(res.json().user).toEqual({ id: 'withAid', accountId: B, role: 'agent', displayName: null })
  })
})

describe('POST /api/session', () => {
  it('a fresh getAppContext token opens a session: user, ws token, expiry and cookie', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/session', payload: { context: ctx() } })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.user).toEqual({ id: 'agent1', accountId: A, role: 'agent', displayName: null })
    expect(body.expiresAt).toBe(clock.now() + SESSION_TTL_MS)
    expect(verifyToken(SESSION_SECRET, body.wsToken, 'ws', clock.now())).toMatchObject({ ok: true })
    expect(sessionCookie(res)).toBeTypeOf('string')
  })

  it('development credentials work and the session remembers them', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/session', payload: { context: ctx({ aud: DEV.id }, DEV.secret) } })
    expect(res.statusCode).toBe(200)
    const v = verifyToken(SESSION_SECRET, sessionCookie(res)!, 'session', clock.now())
    expect(v.ok && v.claims.cred).toBe('development')
    const p = await app.inject({ method: 'POST', url: '/api/session', payload: { context: ctx() } })
    const vp = verifyToken(SESSION_SECRET, sessionCookie(p)!, 'session', clock.now())
    expect(vp.ok && vp.claims.cred).toBe('production')
  })

  it('rejects each bad context with its code', async () => {
    const good = Buffer.from(ctx(), 'base64')
    const flipped = Buffer.from(good)
    flipped[flipped.length - 20] = flipped[flipped.length - 20]! ^ 0x80
    const { uid: _uid, ...noUid } = { typ: 'panel', uid: 'x', ts: clock.now(), exp: clock.now() + 120_000, iss: ZOOM_ISSUER, aud: PROD.id }
    const cases: Array<[string, string, string]> = [
      ['wrong secret', ctx({}, 'not-the-secret'), 'INVALID_APP_CONTEXT'],
      ['flipped byte', flipped.toString('base64'), 'INVALID_APP_CONTEXT'],
      ['expired', ctx({ exp: clock.now() - 31_000 }), 'APP_CONTEXT_EXPIRED'],
      ['wrong aud', ctx({ aud: 'otherApp' }), 'INVALID_APP_CONTEXT'],
      ['wrong iss', ctx({ iss: 'zoom.evil.example' }), 'INVALID_APP_CONTEXT'],
      ['missing uid', encryptZoomContext(noUid, PROD.secret), 'INVALID_APP_CONTEXT'],
      ['truncated', good.subarray(0, good.length - 5).toString('base64'), 'INVALID_APP_CONTEXT'],
      ['non-base64', '***not-base64***', 'INVALID_APP_CONTEXT'],
    ]
    for (const [name, context, code] of cases) {
      const res = await app.inject({ method: 'POST', url: '/api/session', payload: { context } })
      expect(res.statusCode, name).toBe(401)
      expect(res.json().error.code, name).toBe(code)
      expect(sessionCookie(res), name).toBeUndefined()
    }
  })

  it('a body without a context is a validation error', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/session', payload: { nope: 1 } })
    expect(res.statusCode).toBe(400)
    expect(res.json().error.code).toBe('VALIDATION_FAILED')
  })
})

describe('sessions and tokens', () => {
  it('GET /api/session answers with the cookie or a ws token, 401 JSON without', async () => {
    const token = await homeSignIn('agent1', ACCT_A)
    const me = await app.inject({ method: 'GET', url: '/api/session', headers: cookieHeader(token) })
    expect(me.statusCode).toBe(200)
    expect(me.json()).toMatchObject({ user: { id: 'agent1', accountId: A }, devSignIn: false })
    const ws = me.json().wsToken as string
    const viaWs = await app.inject({ method: 'GET', url: `/api/session?token=${ws}` })
    expect(viaWs.json().user.id).toBe('agent1')
    const anon = await app.inject({ method: 'GET', url: '/api/session' })
    expect(anon.statusCode).toBe(401)
    expect(anon.json().error.code).toBe('UNAUTHENTICATED')
  })

  it('app.authenticate reads the cookie or ?token= and nothing else', async () => {
    const token = await homeSignIn('supA', ACCT_A)
    const ws = (await app.inject({ method: 'GET', url: '/api/session', headers: cookieHeader(token) })).json().wsToken as string
    const fake = (headers: Record<string, string>, query: Record<string, string> = {}) =>
      ({ headers, query, cookies: app.parseCookie(headers['cookie'] ?? '') }) as never
    expect(await app.authenticate(fake(cookieHeader(token)))).toEqual({ id: 'supA', accountId: A, role: 'supervisor', displayName: null })
    expect((await app.authenticate(fake({}, { token: ws })))?.id).toBe('supA')
    // kinds are not interchangeable
    expect(await app.authenticate(fake({}, { token }))).toBeNull()
    expect(await app.authenticate(fake(cookieHeader(ws)))).toBeNull()
    expect(await app.authenticate(fake({ authorization: `Bearer ${token}` }))).toBeNull()
  })

  it('ws tokens and session cookies expire', async () => {
    const token = await homeSignIn('agent1', ACCT_A)
    const ws = (await app.inject({ method: 'GET', url: '/api/session', headers: cookieHeader(token) })).json().wsToken as string
    clock.advance(WS_TOKEN_TTL_MS)
    const wsLate = await app.inject({ method: 'GET', url: `/api/session?token=${ws}` })
    expect(wsLate.json().error.code).toBe('SESSION_EXPIRED')
    expect((await app.inject({ method: 'GET', url: '/api/session', headers: cookieHeader(token) })).statusCode).toBe(200)
    clock.advance(SESSION_TTL_MS - WS_TOKEN_TTL_MS)
    const late = await app.inject({ method: 'GET', url: '/api/session', headers: cookieHeader(token) })
    expect(late.statusCode).toBe(401)
    expect(late.json().error.code).toBe('SESSION_EXPIRED')
  })

  it('tokens cannot be forged or replayed into another account', async () => {
    const token = await homeSignIn('agent1', ACCT_A)
    const [body, sig] = token.split('.')
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString())
    const moved = Buffer.from(JSON.stringify({ ...claims, acc: B })).toString('base64url') + '.' + sig
    expect((await app.inject({ method: 'GET', url: '/api/session', headers: cookieHeader(moved) })).statusCode).toBe(401)
    const otherKey = signToken('another-secret-another-secret-xx', claims)
    expect((await app.inject({ method: 'GET', url: '/api/session', headers: cookieHeader(otherKey) })).statusCode).toBe(401)
    // Even a correctly signed token naming an account the user is not in reaches nothing.
    const wrongAcc = signToken(SESSION_SECRET, { ...claims, acc: B })
    expect((await app.inject({ method: 'GET', url: '/api/session', headers: cookieHeader(wrongAcc) })).statusCode).toBe(401)
    // A dev-signin token is worthless on a server where dev sign-in is off.
    const devTok = signToken(SESSION_SECRET, { ...claims, cred: 'dev-signin' })
    expect((await app.inject({ method: 'GET', url: '/api/session', headers: cookieHeader(devTok) })).statusCode).toBe(401)
  })

  it('DELETE /api/session clears the cookie', async () => {
    const res = await app.inject({ method: 'DELETE', url: '/api/session' })
    expect(res.statusCode).toBe(204)
    const c = res.cookies.find((x) => x.name === SESSION_COOKIE)!
    expect(c.value).toBe('')
  })
})

describe('dev sign-in with a client secret configured', () => {
  it('is refused and reported off', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/dev/sign-in', payload: { accountId: 'A', userId: 'x', role: 'admin' } })
    expect(res.statusCode).toBe(403)
    expect(res.json().error.code).toBe('DEV_SIGNIN_DISABLED')
    expect((await app.inject({ method: 'GET', url: '/api/dev/status' })).json()).toEqual({ devSignIn: false })
  })
})

describe('roles', () => {
  it('bootstrap lists raise roles on sign-in', async () => {
    const admin = await homeSignIn('adminA', ACCT_A)
    const list = await app.inject({ method: 'GET', url: '/api/admin/users', headers: cookieHeader(admin) })
    expect(list.statusCode).toBe(200)
    const roles = Object.fromEntries((list.json().items as Array<{ id: string; role: string }>).map((u) => [u.id, u.role]))
    expect(roles).toEqual({ adminA: 'admin', agent1: 'agent', supA: 'supervisor' })
  })

  it('an admin changes a role and it applies to the next request', async () => {
    const admin = await homeSignIn('adminA', ACCT_A)
    const agentTok = await homeSignIn('agent1', ACCT_A)
    const res = await app.inject({ method: 'PUT', url: '/api/admin/users/agent1/role', headers: cookieHeader(admin), payload: { role: 'supervisor' } })
    expect(res.statusCode).toBe(200)
    expect(res.json().user).toMatchObject({ id: 'agent1', accountId: A, role: 'supervisor' })
    const me = await app.inject({ method: 'GET', url: '/api/session', headers: cookieHeader(agentTok) })
    expect(me.json().user.role).toBe('supervisor')
    await app.inject({ method: 'PUT', url: '/api/admin/users/agent1/role', headers: cookieHeader(admin), payload: { role: 'agent' } })
  })

  it('supervisors and agents cannot change roles or list users', async () => {
    for (const uid of ['supA', 'agent1']) {
      const tok = await homeSignIn(uid, ACCT_A)
      const put = await app.inject({ method: 'PUT', url: '/api/admin/users/agent1/role', headers: cookieHeader(tok), payload: { role: 'admin' } })
      expect(put.statusCode, uid).toBe(403)
      expect(put.json().error.code).toBe('FORBIDDEN')
      expect((await app.inject({ method: 'GET', url: '/api/admin/users', headers: cookieHeader(tok) })).statusCode).toBe(403)
    }
    expect((await app.inject({ method: 'GET', url: '/api/admin/users' })).statusCode).toBe(401)
  })

  it('an admin of account A cannot see or touch account B', async () => {
    const adminA = await homeSignIn('adminA', ACCT_A)
    const put = await app.inject({ method: 'PUT', url: '/api/admin/users/agentB/role', headers: cookieHeader(adminA), payload: { role: 'admin' } })
    expect(put.statusCode).toBe(404)
    const adminB = await homeSignIn('adminB', ACCT_B)
    const listB = await app.inject({ method: 'GET', url: '/api/admin/users', headers: cookieHeader(adminB) })
    const b = listB.json().items as Array<{ id: string; role: string; accountId: string }>
    expect(b.map((u) => u.id).sort()).toEqual(['adminB', 'agentB', 'withAid'])
    expect(b.every((u) => u.accountId === B)).toBe(true)
    expect(b.find((u) => u.id === 'agentB')!.role).toBe('agent')
  })

  it('the last admin cannot demote themselves; a bad role is a validation error', async () => {
    const adminB = await homeSignIn('adminB', ACCT_B)
    const res = await app.inject({ method: 'PUT', url: '/api/admin/users/adminB/role', headers: cookieHeader(adminB), payload: { role: 'agent' } })
    expect(res.statusCode).toBe(409)
    expect(res.json().error.code).toBe('CONFLICT')
    const bad = await app.inject({ method: 'PUT', url: '/api/admin/users/agentB/role', headers: cookieHeader(adminB), payload: { role: 'owner' } })
    expect(bad.json().error.code).toBe('VALIDATION_FAILED')
  })
})

describe('rate limits', () => {
  it('answer RATE_LIMITED JSON', async () => {
    const limited = await buildAuthApp(h.store, config, { rateLimits: { session: 2 } })
    try {
      const codes: number[] = []
      for (let i = 0; i < 3; i++) codes.push((await limited.inject({ method: 'POST', url: '/api/session', payload: { context: 'x' } })).statusCode)
      expect(codes).toEqual([401, 401, 429])
      const res = await limited.inject({ method: 'POST', url: '/api/session', payload: { context: 'x' } })
      expect(res.json().error.code).toBe('RATE_LIMITED')
    } finally {
      await limited.close()
    }
  })
})
