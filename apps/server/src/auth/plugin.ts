/**
 * The `auth` plugin: sessions from Zoom app contexts (Home URL header or `POST /api/session`),
 * dev sign-in, roles and user admin, optional in-client OAuth.
 *
 * Decorates the instance with
 *   - `authenticate(request)`: the session user or null (cookie `sb_session`, or `?token=`);
 *   - `authenticateRequest(request)`: the same with the failure code (for WebSocket close codes);
 *   - `requireRole(min)`: a preHandler that answers 401/403 and sets `request.sessionUser`.
 */
import cookie from '@fastify/cookie'
import rateLimitPlugin from '@fastify/rate-limit'
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import type { Role, SessionUser } from '@switchboard/protocol'
import type { Config } from '../config.ts'
import type { Store } from '../store/port.ts'
import { homeContextHook } from './home-hook.ts'
import { DEFAULT_RATE_LIMITS, sendError, type RateLimits } from './http.ts'
import { adminRoutes } from './routes-admin.ts'
import { oauthRoutes } from './routes-oauth.ts'
import { sessionRoutes } from './routes-session.ts'
import { authenticateRequest, type AuthResult } from './session.ts'
import { authSettings, type AuthSettings } from './settings.ts'

export interface AuthPluginOptions {
  config: Config
  store: Store
  /** Per-minute limits per client address (tests and load runs raise or lower them). */
  rateLimits?: Partial<RateLimits>
  /** Clock, for tests. */
  now?: () => number
}

declare module 'fastify' {
  interface FastifyInstance {
    authenticate(request: FastifyRequest): Promise<SessionUser | null>
    authenticateRequest(request: FastifyRequest): Promise<AuthResult>
    requireRole(min: Role): preHandlerAsyncHookHandler
    authSettings: AuthSettings
  }
  interface FastifyRequest {
    sessionUser: SessionUser | null
  }
}

const RANK: Record<Role, number> = { agent: 1, supervisor: 2, admin: 3 }

export function hasRole(user: SessionUser, min: Role): boolean {
  return RANK[user.role] >= RANK[min]
}

async function auth(app: FastifyInstance, opts: AuthPluginOptions): Promise<void> {
  const settings = authSettings(opts.config)
  const { store } = opts
  const now = opts.now ?? Date.now
  const limits: RateLimits = { ...DEFAULT_RATE_LIMITS, ...opts.rateLimits }

  if (!app.hasRequestDecorator('cookies')) await app.register(cookie)

  app.decorate('authSettings', settings)
  app.decorateRequest('sessionUser', null)
  app.decorate('authenticateRequest', (request: FastifyRequest) => authenticateRequest(store, settings, request, now()))
  app.decorate('authenticate', async (request: FastifyRequest) => {
    const r = await authenticateRequest(store, settings, request, now())
    return r.ok ? r.user : null
  })
  app.decorate('requireRole', (min: Role): preHandlerAsyncHookHandler => {
    return async function requireRole(request: FastifyRequest, reply: FastifyReply) {
      const r = await authenticateRequest(store, settings, request, now())
      if (!r.ok) return sendError(reply, r.code)
      if (!hasRole(r.user, min)) return sendError(reply, 'FORBIDDEN')
      request.sessionUser = r.user
    }
  })

  app.addHook('onRequest', homeContextHook(store, settings, now))

  // The routes live in their own scope so the rate limiter stays local to them.
  await app.register(async (scope) => {
    if (!scope.hasDecorator('rateLimit')) await scope.register(rateLimitPlugin, { global: false })
    const deps = { store, settings, limits, now }
    await sessionRoutes(scope, deps)
    await adminRoutes(scope, deps)
    await oauthRoutes(scope, deps)
  })
}

export default fp(auth, { name: 'auth', fastify: '5.x' })
export { authenticateRequest }
