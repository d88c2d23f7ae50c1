import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { verifyToken } from '../../src/auth/session-token.ts'
import { buildAuthApp, cookieHeader, openHarnessStore, SESSION_SECRET, sessionCookie, testConfig, type Harness } from './harness.ts'

let h: Harness
let app: FastifyInstance
const config = testConfig()

async function signIn(target: FastifyInstance, body: Record<string, unknown>) {
  return target.inject({ method: 'POST', url: '/api/dev/sign-in', payload: body })
}

beforeAll(async () => {
  h = await openHarnessStore()
  app = await buildAuthApp(h.store, config, {}, (a) => {
    a.get('/api/test/supervisors-only', { preHandler: a.requireRole('supervisor') }, async (request) => ({ user: request.sessionUser }))
  })
})
afterAll(async () => {
  await app?.close()
  await h?.close()
})

describe('dev sign-in (development, no client secret)', () => {
  it('is on and reported by /api/dev/status', async () => {
    expect(config.devSignIn).toBe(true)
    expect((await app.inject({ method: 'GET', url: '/api/dev/status' })).json()).toEqual({ devSignIn: true })
  })

  it('signs in the chosen user, role and account', async () => {
    const res = await signIn(app, { accountId: 'acme', userId: 'ann', role: 'supervisor', displayName: 'Ann' })
    expect(res.statusCode).toBe(200)
    expect(res.json().user).toEqual({ id: 'ann', accountId: 'acme', role: 'supervisor', displayName: 'Ann' })
    const v = verifyToken(SESSION_SECRET, sessionCookie(res)!, 'session')
    expect(v.ok && v.claims.cred).toBe('dev-signin')
    const me = await app.inject({ method: 'GET', url: '/api/session', headers: cookieHeader(sessionCookie(res)!) })
    expect(me.json()).toMatchObject({ user: { id: 'ann', role: 'supervisor' }, devSignIn: true })
  })

  it('validates the body', async () => {
    const res = await signIn(app, { accountId: 'acme', userId: '', role: 'boss' })
    expect(res.statusCode).toBe(400)
    expect(res.json().error.code).toBe('VALIDATION_FAILED')
  })

  it('requireRole guards routes by role', async () => {
    const agent = sessionCookie(await signIn(app, { accountId: 'acme', userId: 'bob', role: 'agent' }))!
    const sup = sessionCookie(await signIn(app, { accountId: 'acme', userId: 'ann', role: 'supervisor' }))!
    const admin = sessionCookie(await signIn(app, { accountId: 'acme', userId: 'cat', role: 'admin' }))!
    const url = '/api/test/supervisors-only'
    expect((await app.inject({ method: 'GET', url })).json().error.code).toBe('UNAUTHENTICATED')
    expect((await app.inject({ method: 'GET', url, headers: cookieHeader(agent) })).json().error.code).toBe('FORBIDDEN')
    expect((await app.inject({ method: 'GET', url, headers: cookieHeader(sup) })).json().user.id).toBe('ann')
    expect((await app.inject({ method: 'GET', url, headers: cookieHeader(admin) })).json().user.role).toBe('admin')
  })

  it('the same user id in two accounts are two users; tokens stay in their account', async () => {
    const a = sessionCookie(await signIn(app, { accountId: 'acme', userId: 'dup', role: 'admin' }))!
    const b = sessionCookie(await signIn(app, { accountId: 'globex', userId: 'dup', role: 'agent' }))!
    const meA = (await app.inject({ method: 'GET', url: '/api/session', headers: cookieHeader(a) })).json().user
    const meB = (await app.inject({ method: 'GET', url: '/api/session', headers: cookieHeader(b) })).json().user
    expect(meA).toMatchObject({ accountId: 'acme', role: 'admin' })
    expect(meB).toMatchObject({ accountId: 'globex', role: 'agent' })
    const listA = (await app.inject({ method: 'GET', url: '/api/admin/users', headers: cookieHeader(a) })).json().items as Array<{ accountId: string }>
    expect(listA.length).toBeGreaterThan(1)
    expect(listA.every((u) => u.accountId === 'acme')).toBe(true)
    expect((await app.inject({ method: 'GET', url: '/api/admin/users', headers: cookieHeader(b) })).statusCode).toBe(403)
  })

  it('rate-limits sign-in with RATE_LIMITED', async () => {
    const limited = await buildAuthApp(h.store, config, { rateLimit: { ipPerMinute: 1 } })
    try {
      expect((await signIn(limited, { accountId: 'acme', userId: 'x', role: 'agent' })).statusCode).toBe(200)
      const res = await signIn(limited, { accountId: 'acme', userId: 'x', role: 'agent' })
      expect(res.statusCode).toBe(429)
      expect(res.json().error.code).toBe('RATE_LIMITED')
    } finally {
      await limited.close()
    }
  })
})

describe('dev sign-in refused', () => {
  it('in production even if the config slipped through', async () => {
    const prodApp = await buildAuthApp(h.store, { ...config, appEnv: 'production' })
    try {
      const res = await signIn(prodApp, { accountId: 'acme', userId: 'x', role: 'admin' })
      expect(res.statusCode).toBe(403)
      expect(res.json().error.code).toBe('DEV_SIGNIN_DISABLED')
      expect((await prodApp.inject({ method: 'GET', url: '/api/dev/status' })).json()).toEqual({ devSignIn: false })
      // Sessions minted while dev sign-in was on are not honoured once it is off.
      const old = sessionCookie(await signIn(app, { accountId: 'acme', userId: 'x', role: 'admin' }))!
      expect((await prodApp.inject({ method: 'GET', url: '/api/session', headers: cookieHeader(old) })).statusCode).toBe(401)
    } finally {
      await prodApp.close()
    }
  })

  it('by the config loader in production mode or with a client secret', () => {
    expect(() => testConfig({ APP_ENV: 'production', AUTH_MODE: 'dev' })).toThrow(/AUTH_MODE/)
    expect(() => testConfig({ AUTH_MODE: 'dev', ZOOM_CLIENT_ID: 'id', ZOOM_CLIENT_SECRET: 'secret' })).toThrow(/AUTH_MODE/)
  })

  it('when a client secret is configured', async () => {
    const zoomApp = await buildAuthApp(h.store, { ...config, zoom: { ...config.zoom, development: { clientId: 'd', clientSecret: 's' } } })
    try {
      expect((await signIn(zoomApp, { accountId: 'acme', userId: 'x', role: 'admin' })).json().error.code).toBe('DEV_SIGNIN_DISABLED')
      expect((await zoomApp.inject({ method: 'GET', url: '/api/dev/status' })).json()).toEqual({ devSignIn: false })
    } finally {
      await zoomApp.close()
    }
  })
})
