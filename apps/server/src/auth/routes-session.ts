/**
 * Sessions: `POST|GET|DELETE /api/session`, the client configuration, dev sign-in and its status.
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import { DevSignInRequest, SessionRequest } from '@switchboard/protocol/rest'
import type { Store } from '../store/port.ts'
import { sendError } from './http.ts'
import { signInWithContext } from './identity.ts'
import type { LiveAuthz } from './live.ts'
import {
  authenticateRequest, clearSessionCookie, issueSession, issueWsToken, readSession, revokeSession, setSessionCookie,
  type IssuedSession,
} from './session.ts'
import type { AuthSettings } from './settings.ts'
import { upsertUser } from './users.ts'

export interface RouteDeps {
  store: Store
  settings: AuthSettings
  live: LiveAuthz
  now: () => number
}

/**
 * Sets the cookie and answers the session; a session still to be connected to a Zoom account
 * (multi tenant) answers 403 ACCOUNT_NOT_CONNECTED instead, its cookie letting the app run OAuth.
 */
export function sendSession(reply: FastifyReply, s: IssuedSession, extra: Record<string, unknown> = {}): FastifyReply {
  setSessionCookie(reply, s)
  reply.header('cache-control', 'no-store')
  if (!s.user || s.wsToken === null) return sendError(reply, 'ACCOUNT_NOT_CONNECTED')
  return reply.send({ ...extra, user: s.user, wsToken: s.wsToken, expiresAt: s.expiresAt, wsExpiresAt: s.wsExpiresAt })
}

export async function sessionRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { store, settings, live, now } = deps

  app.post<{ Body: SessionRequest }>('/api/session', {
    schema: { body: SessionRequest },
  }, async (request, reply) => {
    const result = await signInWithContext(store, settings, request.body.context, { via: 'post', now: now() })
    if (!result.ok) {
      request.log.info({ code: result.code, reason: result.reason }, 'app context refused')
      return sendError(reply, result.code)
    }
    return sendSession(reply, issueSession(settings, result.user, result.cred, now(), result.zoomUserId))
  })

  app.get('/api/session', async (request, reply) => {
    const auth = await authenticateRequest(store, settings, request, now())
    if (!auth.ok) return sendError(reply, auth.code)
    reply.header('cache-control', 'no-store')
    return {
      user: auth.user,
      devSignIn: settings.devSignIn,
      // A fresh token for the next WebSocket connect; the cookie itself is not renewed here.
      wsToken: issueWsToken(settings, auth.claims, auth.user, now()),
      expiresAt: auth.claims.exp,
    }
  })

  // Signing out ends the session everywhere it is used: the cookie, every WS token issued under
  // it, and (through the bus) every socket they opened, on every node.
  app.delete('/api/session', async (request, reply) => {
    const s = await readSession(store, settings, request, now())
    if (s.ok) {
      await store.transaction(async (tx) => {
        await revokeSession(tx, s.claims.sid, s.claims.exp)
        await live.publish(tx, { t: 'end', s: s.claims.sid })
      })
    }
    clearSessionCookie(reply)
    return reply.code(204).send()
  })

  app.get('/api/client-config', async (_request, reply) => {
    reply.header('cache-control', 'no-store')
    return { devSignIn: settings.devSignIn, oauth: settings.oauth.enabled, tenancy: settings.tenancy.mode }
  })

  app.get('/api/dev/status', async (_request, reply) => {
    reply.header('cache-control', 'no-store')
    return { devSignIn: settings.devSignIn }
  })

  app.post<{ Body: DevSignInRequest }>('/api/dev/sign-in', {
    schema: { body: DevSignInRequest },
    // Refuse before looking at the body: a disabled feature should not answer validation errors.
    preValidation: async (_request, reply) => {
      if (!settings.devSignIn) return sendError(reply, 'DEV_SIGNIN_DISABLED')
    },
  }, async (request, reply) => {
    const { accountId, userId, role, displayName } = request.body
    const row = await upsertUser(store, { accountId, userId, role, displayName: displayName ?? null })
    const user = { id: row.id, accountId: row.accountId, role: row.role, displayName: row.displayName }
    return sendSession(reply, issueSession(settings, user, 'dev-signin', now()))
  })
}
