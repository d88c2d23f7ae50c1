/**
 * Zoom sign-in, tenancy and sessions on real Postgres: the Home URL header and `POST /api/session`
 * with real encrypted contexts, multi-tenant binding (only a verified source binds; a Home URL
 * hint or a context's `aid` never does), single tenant, sign-out revocation, WS tokens only on
 * the socket route, roles and user removal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { SESSION_COOKIE, signToken, verifyToken } from '../../src/auth/session-token.ts'
import { SESSION_TTL_MS, WS_TOKEN_TTL_MS } from '../../src/auth/settings.ts'
import { bindZoomUser } from '../../src/auth/tenancy.ts'
import { zoomAccountKey } from '../../src/auth/token-crypto.ts'
import { encryptZoomContext, ZOOM_ISSUER } from '../../src/auth/zoom-context.ts'
import { buildAuthApp, Clock, cookieHeader, openHarnessStore, SESSION_SECRET, sessionCookie, testConfig, type Harness } from './harness.ts'

const PROD = { id: 'prodClientId', secret: 'prod-client-secret-value-123' }
const DEV = { id: 'devClientId', secret: 'dev-client-secret-value-456' }
const ACCT_A = 'zoomAccountA'
const ACCT_B = 'zoomAccountB'
const ACCT_C = 'zoomAccountC'
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

/** Signs a (bound) user in through the Home URL; returns the cookie token. */
async function homeSignIn(uid: string, url = '/'): Promise<string> {
  const res = await app.inject({ method: 'GET', url, headers: { 'x-zoom-app-context': ctx({ uid }) } })
  expect(res.statusCode).toBe(200)
  const token = sessionCookie(res)
  expect(token).toBeTypeOf('string')
  return token!
}

const me = (token: string) => app.inject({ method: 'GET', url: '/api/session', headers: cookieHeader(token) })
const claimsOf = (token: string) => {
  const v = verifyToken(SESSION_SECRET, token, 'session', clock.now())
  if (!v.ok) throw new Error(`not a session token: ${v.code}`)
  return v.claims
}

async function usersRows(): Promise<string> {
  const r = await h.store.query('select account_id, id, role from users order by account_id, id')
  return JSON.stringify(r.rows)
}

beforeAll(async () => {
  h = await openHarnessStore()
  app = await buildAuthApp(h.store, config, { now: clock.now })
  // What in-client OAuth would have bound (oauth.pg.test.ts runs the flow itself).
  for (const [uid, acct] of [['agent1', ACCT_A], ['supA', ACCT_A], ['adminA', ACCT_A], ['agentB', ACCT_B], ['adminB', ACCT_B]] as const) {
    await bindZoomUser(h.store, app.authSettings, uid, acct, 'oauth')
    await homeSignIn(uid)
  }
})
afterAll(async () => {
  await app?.close()
  await h?.close()
})

describe('Home URL sign-in', () => {
  it('a valid context sets a Secure, httpOnly, SameSite=None session cookie and serves the page', async () => {
    const res = await app.inject({ method: 'GET', url: '/index.html', headers: { 'x-zoom-app-context': ctx() } })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('<p>app</p>')
    const c = res.cookies.find((x) => x.name === SESSION_COOKIE)!
    expect(c).toMatchObject({ httpOnly: true, secure: true, sameSite: 'None', path: '/' })
    expect(claimsOf(c.value)).toMatchObject({ sub: 'agent1', acc: A, role: 'agent', cred: 'production' })
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
})

describe('tenancy: multi tenant (no ZOOM_ACCOUNT_ID)', () => {
  it('an unsigned ?accountId= naming another company never binds a first-time user: their session reaches no account', async () => {
    const before = await usersRows()
    const res = await app.inject({ method: 'GET', url: `/?accountId=${ACCT_A}`, headers: { 'x-zoom-app-context': ctx({ uid: 'intruder' }) } })
    // The page loads (the app will offer to connect the account), with a session bound to nothing.
    expect(res.statusCode).toBe(200)
    const token = sessionCookie(res)!
    expect(claimsOf(token)).toMatchObject({ sub: 'intruder', acc: null })
    const who = await me(token)
    expect(who.statusCode).toBe(403)
    expect(who.json().error.code).toBe('ACCOUNT_NOT_CONNECTED')
    const admin = await app.inject({ method: 'GET', url: '/api/admin/users', headers: cookieHeader(token) })
    expect(admin.json().error.code).toBe('ACCOUNT_NOT_CONNECTED')
    // Nothing was written: no user in A, no binding.
    expect(await usersRows()).toBe(before)
    expect((await h.store.query('select 1 from zoom_identities where zoom_user_id = $1', ['intruder'])).rowCount).toBe(0)
    // Nor does the socket route take it.
    const sock = await app.authenticateSocket({ cookies: app.parseCookie(`${SESSION_COOKIE}=${token}`), query: {} } as never)
    expect(sock).toEqual({ ok: false, code: 'ACCOUNT_NOT_CONNECTED' })
  })

  it('POST /api/session for an unbound user answers 403 ACCOUNT_NOT_CONNECTED with a session that can only connect', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/session', payload: { context: ctx({ uid: 'newcomer' }) } })
    expect(res.statusCode).toBe(403)
    expect(res.json().error.code).toBe('ACCOUNT_NOT_CONNECTED')
    expect(claimsOf(sessionCookie(res)!)).toMatchObject({ sub: 'newcomer', acc: null })
  })

  it('a binding, once made, is never changed by a hint', async () => {
    const moved = await homeSignIn('agent1', `/?accountId=${ACCT_B}`)
    expect(claimsOf(moved).acc).toBe(A)
  })

  it('an aid inside the context is not an account (it is a chat Action Command ID)', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/session', payload: { context: ctx({ uid: 'withAid', aid: ACCT_B }) } })
    expect(res.statusCode).toBe(403)
    expect(res.json().error.code).toBe('ACCOUNT_NOT_CONNECTED')
    const bound = await app.inject({ method: 'POST', url: '/api/session', payload: { context: ctx({ uid: 'agent1', aid: ACCT_B }) } })
    expect(bound.json().user.accountId).toBe(A)
  })
})

describe('tenancy: single tenant (ZOOM_ACCOUNT_ID)', () => {
  it('every verified Zoom user is in that account; a hint naming another is ignored', async () => {
    const single = await buildAuthApp(h.store, testConfig({ ZOOM_CLIENT_ID: PROD.id, ZOOM_CLIENT_SECRET: PROD.secret, ZOOM_ACCOUNT_ID: ACCT_C }), { now: clock.now })
    try {
      const res = await single.inject({ method: 'GET', url: `/?accountId=${ACCT_A}`, headers: { 'x-zoom-app-context': ctx({ uid: 'solo' }) } })
      expect(res.statusCode).toBe(200)
      expect(claimsOf(sessionCookie(res)!)).toMatchObject({ sub: 'solo', acc: zoomAccountKey(ACCT_C) })
      const post = await single.inject({ method: 'POST', url: '/api/session', payload: { context: ctx({ uid: 'solo2', aid: ACCT_A }) } })
      expect(post.json().user).toEqual({ id: 'solo2', accountId: zoomAccountKey(ACCT_C), role: 'agent', displayName: null })
      expect((await single.inject({ method: 'GET', url: '/api/client-config' })).json()).toEqual({ devSignIn: false, oauth: false, tenancy: 'single' })
    } finally {
      await single.close()
    }
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
    expect(claimsOf(sessionCookie(res)!).cred).toBe('development')
    const p = await app.inject({ method: 'POST', url: '/api/session', payload: { context: ctx() } })
    expect(claimsOf(sessionCookie(p)!).cred).toBe('production')
  })

  it('rejects each forged, expired or malformed context with its code and writes nothing', async () => {
    const good = Buffer.from(ctx(), 'base64')
    const flipped = Buffer.from(good)
    flipped[flipped.length - 20] = flipped[flipped.length - 20]! ^ 0x80
    const { uid: _uid, ...noUid } = { typ: 'panel', uid: 'x', ts: clock.now(), exp: clock.now() + 120_000, iss: ZOOM_ISSUER, aud: PROD.id }
    const cases: Array<[string, string, string]> = [
      ['wrong secret', ctx({}, 'not-the-secret'), 'INVALID_APP_CONTEXT'],
      ['flipped byte', flipped.toString('base64'), 'INVALID_APP_CONTEXT'],
      ['expired', ctx({ exp: clock.now() - 31_000 }), 'APP_CONTEXT_EXPIRED'],
      ['from the future', ctx({ ts: clock.now() + 120_000, exp: clock.now() + 240_000 }), 'INVALID_APP_CONTEXT'],
      ['wrong aud', ctx({ aud: 'otherApp' }), 'INVALID_APP_CONTEXT'],
      ['dev pair, prod aud', ctx({}, DEV.secret), 'INVALID_APP_CONTEXT'],
      ['wrong iss', ctx({ iss: 'zoom.evil.example' }), 'INVALID_APP_CONTEXT'],
      ['missing uid', encryptZoomContext(noUid, PROD.secret), 'INVALID_APP_CONTEXT'],
      ['truncated', good.subarray(0, good.length - 5).toString('base64'), 'INVALID_APP_CONTEXT'],
      ['non-base64', '***not-base64***', 'INVALID_APP_CONTEXT'],
      ['emulator marker', `emulator.${Buffer.from('{"uid":"agent1"}').toString('base64')}`, 'INVALID_APP_CONTEXT'],
    ]
    const before = await usersRows()
    for (const [name, context, code] of cases) {
      const res = await app.inject({ method: 'POST', url: '/api/session', payload: { context } })
      expect(res.statusCode, name).toBe(401)
      expect(res.json().error.code, name).toBe(code)
      expect(sessionCookie(res), name).toBeUndefined()
    }
    expect(await usersRows()).toBe(before)
  })

  it('a replayed context is refused on the path it was already used on', async () => {
    const context = ctx()
    // Zoom sends it with the Home URL and may return the same one from getAppContext: one use each.
    expect((await app.inject({ method: 'GET', url: '/', headers: { 'x-zoom-app-context': context } })).statusCode).toBe(200)
    expect((await app.inject({ method: 'POST', url: '/api/session', payload: { context } })).statusCode).toBe(200)
    const again = await app.inject({ method: 'POST', url: '/api/session', payload: { context } })
    expect(again.statusCode).toBe(401)
    expect(again.json().error.code).toBe('INVALID_APP_CONTEXT')
    expect(sessionCookie(again)).toBeUndefined()
    const home = await app.inject({ method: 'GET', url: '/', headers: { 'x-zoom-app-context': context } })
    expect(home.statusCode).toBe(401)
  })

  it('a body without a context, or with an unknown field, is a validation error', async () => {
    for (const payload of [{ nope: 1 }, { context: ctx(), evil: 1 }]) {
      const res = await app.inject({ method: 'POST', url: '/api/session', payload })
      expect(res.statusCode).toBe(400)
      expect(res.json().error.code).toBe('VALIDATION_FAILED')
    }
  })
})

describe('sessions and tokens', () => {
  it('GET /api/session answers with the cookie and a fresh ws token; 401 without', async () => {
    const token = await homeSignIn('agent1')
    const res = await me(token)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ user: { id: 'agent1', accountId: A }, devSignIn: false })
    const ws = verifyToken(SESSION_SECRET, res.json().wsToken as string, 'ws', clock.now())
    expect(ws.ok && ws.claims.sid).toBe(claimsOf(token).sid)
    const anon = await app.inject({ method: 'GET', url: '/api/session' })
    expect(anon.statusCode).toBe(401)
    expect(anon.json().error.code).toBe('UNAUTHENTICATED')
  })

  it('a WS token is no REST credential: only the socket route takes it', async () => {
    const token = await homeSignIn('supA')
    const ws = (await me(token)).json().wsToken as string
    const viaQuery = await app.inject({ method: 'GET', url: `/api/session?token=${ws}` })
    expect(viaQuery.statusCode).toBe(401)
    expect((await app.inject({ method: 'GET', url: `/api/admin/users?token=${ws}` })).statusCode).toBe(401)
    const fake = (headers: Record<string, string>, query: Record<string, string> = {}) =>
      ({ headers, query, cookies: app.parseCookie(headers['cookie'] ?? '') }) as never
    expect(await app.authenticate(fake(cookieHeader(token)))).toEqual({ id: 'supA', accountId: A, role: 'supervisor', displayName: null })
    expect(await app.authenticate(fake({}, { token: ws }))).toBeNull()
    expect(await app.authenticateSocket(fake({}, { token: ws }))).toMatchObject({ ok: true, user: { id: 'supA' } })
    expect(await app.authenticateSocket(fake(cookieHeader(token)))).toMatchObject({ ok: true, user: { id: 'supA' } })
    // kinds are not interchangeable
    expect(await app.authenticateSocket(fake({}, { token }))).toMatchObject({ ok: false })
    expect(await app.authenticate(fake(cookieHeader(ws)))).toBeNull()
    expect(await app.authenticate(fake({ authorization: `Bearer ${token}` }))).toBeNull()
  })

  it('ws tokens and session cookies expire; a WS token never outlives its session', async () => {
    const token = await homeSignIn('agent1')
    const ws = (await me(token)).json().wsToken as string
    clock.advance(WS_TOKEN_TTL_MS)
    const fake = { query: { token: ws }, cookies: {} } as never
    expect(await app.authenticateSocket(fake)).toEqual({ ok: false, code: 'SESSION_EXPIRED' })
    expect((await me(token)).statusCode).toBe(200)
    clock.advance(SESSION_TTL_MS - WS_TOKEN_TTL_MS - 60_000)
    const late = verifyToken(SESSION_SECRET, (await me(token)).json().wsToken as string, 'ws', clock.now())
    expect(late.ok && late.claims.exp).toBe(claimsOf(token).exp)
    clock.advance(60_000)
    const gone = await me(token)
    expect(gone.statusCode).toBe(401)
    expect(gone.json().error.code).toBe('SESSION_EXPIRED')
  })

  it('tokens cannot be forged or moved into another account', async () => {
    const token = await homeSignIn('agent1')
    const [body, sig] = token.split('.')
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString())
    const moved = Buffer.from(JSON.stringify({ ...claims, acc: B })).toString('base64url') + '.' + sig
    expect((await me(moved)).statusCode).toBe(401)
    const otherKey = signToken('another-secret-another-secret-xx', claims)
    expect((await me(otherKey)).statusCode).toBe(401)
    // Even a correctly signed token naming an account the user is not in reaches nothing.
    expect((await me(signToken(SESSION_SECRET, { ...claims, acc: B }))).statusCode).toBe(401)
    // A dev-signin token is worthless on a server where dev sign-in is off.
    expect((await me(signToken(SESSION_SECRET, { ...claims, cred: 'dev-signin' }))).statusCode).toBe(401)
    // A token without a session id is not one of ours.
    const { sid: _sid, ...noSid } = claims
    expect((await me(signToken(SESSION_SECRET, noSid))).statusCode).toBe(401)
  })

  it('DELETE /api/session signs the session out: the cookie and every WS token issued under it stop working', async () => {
    const token = await homeSignIn('agent1')
    const ws = (await me(token)).json().wsToken as string
    const other = await homeSignIn('agent1')
    const res = await app.inject({ method: 'DELETE', url: '/api/session', headers: cookieHeader(token) })
    expect(res.statusCode).toBe(204)
    expect(res.cookies.find((x) => x.name === SESSION_COOKIE)!.value).toBe('')
    const after = await me(token)
    expect(after.statusCode).toBe(401)
    expect(after.json().error.code).toBe('UNAUTHENTICATED')
    expect(await app.authenticateSocket({ query: { token: ws }, cookies: {} } as never)).toEqual({ ok: false, code: 'UNAUTHENTICATED' })
    // Another session of the same user (another device) is not affected.
    expect((await me(other)).statusCode).toBe(200)
    // Signing out without a session is harmless.
    expect((await app.inject({ method: 'DELETE', url: '/api/session' })).statusCode).toBe(204)
  })
})

describe('dev sign-in with a client secret configured', () => {
  it('is refused and reported off', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/dev/sign-in', payload: { accountId: 'A', userId: 'x', role: 'admin' } })
    expect(res.statusCode).toBe(403)
    expect(res.json().error.code).toBe('DEV_SIGNIN_DISABLED')
    expect((await app.inject({ method: 'GET', url: '/api/dev/status' })).json()).toEqual({ devSignIn: false })
    const ctxRes = await app.inject({ method: 'POST', url: '/api/dev/zoom/app-context', payload: { accountId: 'A', userId: 'x' } })
    expect(ctxRes.json().error.code).toBe('DEV_SIGNIN_DISABLED')
    expect((await app.inject({ method: 'GET', url: '/api/client-config' })).json()).toEqual({ devSignIn: false, oauth: true, tenancy: 'multi' })
  })
})

describe('roles', () => {
  it('bootstrap lists raise roles on sign-in', async () => {
    const admin = await homeSignIn('adminA')
    const list = await app.inject({ method: 'GET', url: '/api/admin/users', headers: cookieHeader(admin) })
    expect(list.statusCode).toBe(200)
    const roles = Object.fromEntries((list.json().items as Array<{ id: string; role: string }>).map((u) => [u.id, u.role]))
    expect(roles).toEqual({ adminA: 'admin', agent1: 'agent', supA: 'supervisor' })
  })

  it('an admin changes a role and it applies to the next request', async () => {
    const admin = await homeSignIn('adminA')
    const agentTok = await homeSignIn('agent1')
    const res = await app.inject({ method: 'PUT', url: '/api/admin/users/agent1/role', headers: cookieHeader(admin), payload: { role: 'supervisor' } })
    expect(res.statusCode).toBe(200)
    expect(res.json().user).toMatchObject({ id: 'agent1', accountId: A, role: 'supervisor' })
    expect((await me(agentTok)).json().user.role).toBe('supervisor')
    await app.inject({ method: 'PUT', url: '/api/admin/users/agent1/role', headers: cookieHeader(admin), payload: { role: 'agent' } })
  })

  it('supervisors and agents cannot change roles, remove users or list them', async () => {
    for (const uid of ['supA', 'agent1']) {
      const tok = await homeSignIn(uid)
      const put = await app.inject({ method: 'PUT', url: '/api/admin/users/agent1/role', headers: cookieHeader(tok), payload: { role: 'admin' } })
      expect(put.statusCode, uid).toBe(403)
      expect(put.json().error.code).toBe('FORBIDDEN')
      expect((await app.inject({ method: 'DELETE', url: '/api/admin/users/agent1', headers: cookieHeader(tok) })).statusCode).toBe(403)
      expect((await app.inject({ method: 'GET', url: '/api/admin/users', headers: cookieHeader(tok) })).statusCode).toBe(403)
    }
    expect((await app.inject({ method: 'GET', url: '/api/admin/users' })).statusCode).toBe(401)
  })

  it('an admin of account A cannot see or touch account B', async () => {
    const adminA = await homeSignIn('adminA')
    const put = await app.inject({ method: 'PUT', url: '/api/admin/users/agentB/role', headers: cookieHeader(adminA), payload: { role: 'admin' } })
    expect(put.statusCode).toBe(404)
    expect((await app.inject({ method: 'DELETE', url: '/api/admin/users/agentB', headers: cookieHeader(adminA) })).statusCode).toBe(404)
    const adminB = await homeSignIn('adminB')
    const listB = await app.inject({ method: 'GET', url: '/api/admin/users', headers: cookieHeader(adminB) })
    const b = listB.json().items as Array<{ id: string; role: string; accountId: string }>
    expect(b.map((u) => u.id).sort()).toEqual(['adminB', 'agentB'])
    expect(b.every((u) => u.accountId === B)).toBe(true)
    expect(b.find((u) => u.id === 'agentB')!.role).toBe('agent')
  })

  it('the last admin can be neither demoted nor removed; bad input is a validation error', async () => {
    const adminB = await homeSignIn('adminB')
    const res = await app.inject({ method: 'PUT', url: '/api/admin/users/adminB/role', headers: cookieHeader(adminB), payload: { role: 'agent' } })
    expect(res.statusCode).toBe(409)
    expect(res.json().error.code).toBe('CONFLICT')
    expect((await app.inject({ method: 'DELETE', url: '/api/admin/users/adminB', headers: cookieHeader(adminB) })).json().error.code).toBe('CONFLICT')
    for (const payload of [{ role: 'owner' }, { role: 'agent', evil: 1 }]) {
      const bad = await app.inject({ method: 'PUT', url: '/api/admin/users/agentB/role', headers: cookieHeader(adminB), payload })
      expect(bad.json().error.code).toBe('VALIDATION_FAILED')
    }
  })

  it('a removed user is signed out everywhere and must connect again', async () => {
    const adminB = await homeSignIn('adminB')
    await bindZoomUser(h.store, app.authSettings, 'leaverB', ACCT_B, 'oauth')
    const leaver = await homeSignIn('leaverB')
    expect((await me(leaver)).statusCode).toBe(200)
    const del = await app.inject({ method: 'DELETE', url: '/api/admin/users/leaverB', headers: cookieHeader(adminB) })
    expect(del.statusCode).toBe(204)
    expect((await me(leaver)).statusCode).toBe(401)
    const back = await app.inject({ method: 'POST', url: '/api/session', payload: { context: ctx({ uid: 'leaverB' }) } })
    expect(back.json().error.code).toBe('ACCOUNT_NOT_CONNECTED')
  })
})

describe('rate limits', () => {
  it('answer 429 RATE_LIMITED with Retry-After', async () => {
    const limited = await buildAuthApp(h.store, config, { rateLimit: { ipPerMinute: 12 } })
    try {
      // session class: a sixth of the per-address limit.
      const codes: number[] = []
      for (let i = 0; i < 3; i++) codes.push((await limited.inject({ method: 'POST', url: '/api/session', payload: { context: 'x' } })).statusCode)
      expect(codes).toEqual([401, 401, 429])
      const res = await limited.inject({ method: 'POST', url: '/api/session', payload: { context: 'x' } })
      expect(res.json().error.code).toBe('RATE_LIMITED')
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0)
    } finally {
      await limited.close()
    }
  })
})
