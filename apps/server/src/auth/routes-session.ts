/**
 * Sessions: `POST|GET|DELETE /api/session`, dev sign-in and its status.
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import { DevSignInRequest, SessionRequest } from '@switchboard/protocol/rest'
import type { Store } from '../store/port.ts'
import { rateLimit, sendError, type RateLimits } from './http.ts'
import { signInWithContext } from './identity.ts'
import { authenticateRequest, clearSessionCookie, issueSession, issueWsToken, setSessionCookie, type IssuedSession } from './session.ts'
import type { AuthSettings } from './settings.ts'
import { upsertUser } from './users.ts'

export interface RouteDeps {
  store: Store
  settings: AuthSettings
  limits: RateLimits
  now: () => number
}

function sessionBody(s: IssuedSession) {
  return { user: s.user, wsToken: s.wsToken, expiresAt: s.expiresAt, wsExpiresAt: s.wsExpiresAt }
}

function send(reply: FastifyReply, s: IssuedSession) {
  setSessionCookie(reply, s)
  reply.header('cache-control', 'no-store')
  return reply.send(sessionBody(s))
}

export async function sessionRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { store, settings, limits, now } = deps

  app.post<{ Body: SessionRequest }>('/api/session', {
    schema: { body: SessionRequest },
    config: rateLimit(limits.session),
  }, async (request, reply) => {
    const result = await signInWithContext(store, settings, request.body.context, { now: now() })
    if (!result.ok) {
      request.log.info({ code: result.code, reason: result.reason }, 'app context refused')
      return sendError(reply, result.code)
    }
    return send(reply, issueSession(settings, result.user, result.cred, now()))
  })

  app.get('/api/session', { config: rateLimit(limits.session) }, async (request, reply) => {
    const auth = await authenticateRequest(store, settings, request, now())
    if (!auth.ok) return sendError(reply, auth.code)
    reply.header('cache-control', 'no-store')
    return {
      user: auth.user,
      devSignIn: settings.devSignIn,
      // A fresh token for the next WebSocket connect; the cookie itself is not renewed here.
      wsToken: issueWsToken(settings, auth.user, auth.claims.cred, now()),
      expiresAt: auth.claims.exp,
    }
  })

  app.delete('/api/session', { config: rateLimit(limits.session) }, async (_request, reply) => {
    clearSessionCookie(reply)
    return reply.code(204).send()
  })

  app.get('/api/dev/status', async (_request, reply) => {
    reply.header('cache-control', 'no-store')
    return { devSignIn: settings.devSignIn }
  })

  app.post<{ Body: DevSignInRequest }>('/api/dev/sign-in', {
    schema: { body: DevSignInRequest },
    config: rateLimit(limits.devSignIn),
    // Refuse before looking at the body: a disabled feature should not answer validation errors.
    preValidation: async (_request, reply) => {
      if (!settings.devSignIn) return sendError(reply, 'DEV_SIGNIN_DISABLED')
    },
  }, async (request, reply) => {
    const { accountId, userId, role, displayName } = request.body
    const row = await upsertUser(store, { accountId, userId, role, displayName: displayName ?? null })
    const user = { id: row.id, accountId: row.accountId, role: row.role, displayName: row.displayName }
    return send(reply, issueSession(settings, user, 'dev-signin', now()))
  })
}
