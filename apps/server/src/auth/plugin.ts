/**
 * The `auth` plugin: sessions from Zoom app contexts (Home URL header or `POST /api/session`),
 * tenancy, dev sign-in and the emulator's Zoom, roles and user admin, in-client OAuth, and live
 * authorization of open sockets.
 *
 * Decorates the instance with
 *   - `authenticate(request)`: the session user or null (the `sb_session` cookie);
 *   - `authenticateRequest(request)`: the same with the failure code;
 *   - `authenticateSocket(request)`: for the `/ws` upgrade (a `?token=` WS token or the cookie),
 *     also refusing a user over the per-node socket cap;
 *   - `requireRole(min)`: an onRequest hook that answers 401/403 and sets `request.sessionUser`;
 *   - `liveAuth`: live authorization (live.ts): the gateway attaches every open socket to it.
 */
import cookie from '@fastify/cookie'
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import type { Role, SessionUser } from '@switchboard/protocol'
import type { Config } from '../config.ts'
import type { Store } from '../store/port.ts'
import { devZoomRoutes } from './dev-zoom.ts'
import { homeContextHook } from './home-hook.ts'
import { sendError } from './http.ts'
import { LiveAuthz } from './live.ts'
import { adminRoutes } from './routes-admin.ts'
import { oauthRoutes } from './routes-oauth.ts'
import { sessionRoutes } from './routes-session.ts'
import type { SessionClaims } from './session-token.ts'
import { authenticateRequest, sweepExpired, type AuthFailure, type AuthResult } from './session.ts'
import { authSettings, type AuthSettings } from './settings.ts'

export interface AuthPluginOptions {
  config: Config
  store: Store
  /** Clock, for tests. */
  now?: () => number
}

export type SocketAuth =
  | { ok: true; user: SessionUser; claims: SessionClaims }
  | { ok: false; code: AuthFailure | 'TOO_MANY_CONNECTIONS' }

declare module 'fastify' {
  interface FastifyInstance {
    authenticate(request: FastifyRequest): Promise<SessionUser | null>
    authenticateRequest(request: FastifyRequest): Promise<AuthResult>
    authenticateSocket(request: FastifyRequest): Promise<SocketAuth>
    requireRole(min: Role): preHandlerAsyncHookHandler
    authSettings: AuthSettings
    liveAuth: LiveAuthz
  }
  interface FastifyRequest {
    sessionUser: SessionUser | null
  }
}

const RANK: Record<Role, number> = { agent: 1, supervisor: 2, admin: 3 }
/** Signed-out sessions and used app contexts are forgotten once expired, checked this often. */
const SWEEP_MS = 10 * 60_000

export function hasRole(user: SessionUser, min: Role): boolean {
  return RANK[user.role] >= RANK[min]
}

async function auth(app: FastifyInstance, opts: AuthPluginOptions): Promise<void> {
  const settings = authSettings(opts.config)
  const { store } = opts
  const now = opts.now ?? Date.now
  const live = new LiveAuthz({ store, logger: app.log, maxSocketsPerUser: opts.config.ws.maxSocketsPerUser, now })
  await live.start()
  const sweep = setInterval(() => {
    sweepExpired(store).catch((err: unknown) => app.log.debug({ err }, 'auth sweep failed'))
  }, SWEEP_MS)
  sweep.unref()
  app.addHook('onClose', async () => {
    clearInterval(sweep)
    await live.stop()
  })

  if (!app.hasRequestDecorator('cookies')) await app.register(cookie)

  app.decorate('authSettings', settings)
  app.decorate('liveAuth', live)
  app.decorateRequest('sessionUser', null)
  app.decorate('authenticateRequest', (request: FastifyRequest) => authenticateRequest(store, settings, request, now()))
  app.decorate('authenticate', async (request: FastifyRequest) => {
    const r = await authenticateRequest(store, settings, request, now())
    return r.ok ? r.user : null
  })
  app.decorate('authenticateSocket', async (request: FastifyRequest): Promise<SocketAuth> => {
    const r = await authenticateRequest(store, settings, request, now(), { ws: true })
    if (r.ok && !live.admit(r.user)) return { ok: false, code: 'TOO_MANY_CONNECTIONS' }
    return r
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

  await app.register(async (scope) => {
    const deps = { store, settings, live, now }
    await sessionRoutes(scope, deps)
    await adminRoutes(scope, deps)
    await oauthRoutes(scope, deps)
    await devZoomRoutes(scope, deps)
  })
}

export default fp(auth, { name: 'auth', fastify: '5.x' })
export { authenticateRequest }
