/**
 * In-client OAuth (only when ZOOM_OAUTH_ENABLED): the agent app asks for a PKCE challenge and a
 * signed state, calls `zoomSdk.authorize`, and posts what `onAuthorized` returns.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { OAuthCompleteRequest } from '@switchboard/protocol/rest'
import { rateLimit, sendError } from './http.ts'
import { exchangeCode, fetchMe, ZoomHttpError } from './oauth-client.ts'
import { checkOAuthState, startOAuth } from './oauth-state.ts'
import { getAccessToken, saveTokens } from './oauth-tokens.ts'
import type { RouteDeps } from './routes-session.ts'
import { authenticateRequest, type AuthResult } from './session.ts'
import { credentialsOf } from './settings.ts'
import { zoomAccountKey } from './token-crypto.ts'
import { upsertUser } from './users.ts'

export async function oauthRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { store, settings, limits, now } = deps
  const config = rateLimit(limits.oauth)

  async function requireSession(request: FastifyRequest, reply: FastifyReply): Promise<Extract<AuthResult, { ok: true }> | null> {
    if (!settings.oauth.enabled) {
      await sendError(reply, 'OAUTH_DISABLED')
      return null
    }
    const auth = await authenticateRequest(store, settings, request, now())
    if (!auth.ok) {
      await sendError(reply, auth.code)
      return null
    }
    return auth
  }

  app.post('/api/oauth/start', { config }, async (request, reply) => {
    const auth = await requireSession(request, reply)
    if (!auth) return reply
    const s = startOAuth(settings.sessionSecret, auth.user.accountId, auth.user.id, now())
    reply.header('cache-control', 'no-store')
    return { codeChallenge: s.codeChallenge, state: s.state }
  })

  app.post<{ Body: OAuthCompleteRequest }>('/api/oauth/complete', { config, schema: { body: OAuthCompleteRequest } }, async (request, reply) => {
    const auth = await requireSession(request, reply)
    if (!auth) return reply
    const { code, state, redirectUri } = request.body
    const checked = checkOAuthState(settings.sessionSecret, state, auth.user.accountId, auth.user.id, now())
    if (!checked) return sendError(reply, 'OAUTH_STATE_INVALID')
    // The redirect URI is the page where authorize ran: it must be ours.
    let redirectOrigin: string
    try {
      redirectOrigin = new URL(redirectUri).origin
    } catch {
      return sendError(reply, 'VALIDATION_FAILED', 'redirectUri is not a URL.')
    }
    if (redirectOrigin !== settings.publicOrigin) return sendError(reply, 'VALIDATION_FAILED', 'redirectUri is not on this app.')
    const kind = auth.claims.cred === 'development' ? 'development' : 'production'
    const cred = credentialsOf(settings, kind) ?? settings.credentials[0]
    if (!cred) return sendError(reply, 'OAUTH_DISABLED')
    let tokens, me
    try {
      tokens = await exchangeCode(settings.oauth.hosts, cred, { code, redirectUri, codeVerifier: checked.codeVerifier }, now)
      me = await fetchMe(settings.oauth.hosts, tokens.accessToken)
    } catch (err) {
      request.log.warn({ status: err instanceof ZoomHttpError ? err.status : undefined, err: err instanceof ZoomHttpError ? undefined : err }, 'zoom oauth exchange failed')
      return sendError(reply, 'OAUTH_EXCHANGE_FAILED')
    }
    // The token must belong to the signed-in user, in the account the session is bound to.
    if (me.id !== auth.user.id || zoomAccountKey(me.accountId) !== auth.user.accountId) {
      request.log.warn('zoom oauth identity does not match the session')
      return sendError(reply, 'FORBIDDEN', 'The Zoom account you authorized is not the one signed in.')
    }
    await saveTokens(store, settings.tokenKey, {
      ...tokens, accountId: auth.user.accountId, zoomUserId: me.id, userId: auth.user.id, cred: cred.kind,
    })
    if (me.displayName || me.email) {
      await upsertUser(store, { accountId: auth.user.accountId, userId: auth.user.id, displayName: me.displayName, email: me.email })
    }
    return { connected: true, scopes: tokens.scopes }
  })

  app.get('/api/oauth/status', { config }, async (request, reply) => {
    if (!settings.oauth.enabled) return { enabled: false, connected: false, scopes: [] }
    const auth = await requireSession(request, reply)
    if (!auth) return reply
    try {
      const t = await getAccessToken({
        store, key: settings.tokenKey, hosts: settings.oauth.hosts, now,
        credentials: (k) => credentialsOf(settings, k),
      }, auth.user.accountId, auth.user.id)
      if (!t) return { enabled: true, connected: false, scopes: [] }
      return { enabled: true, connected: true, scopes: t.scopes, expiresAt: t.expiresAt }
    } catch (err) {
      request.log.warn({ status: err instanceof ZoomHttpError ? err.status : undefined }, 'zoom token refresh failed')
      return { enabled: true, connected: false, scopes: [], needsReauthorization: true }
    }
  })
}
