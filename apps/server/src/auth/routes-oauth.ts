/**
 * In-client OAuth: the agent app asks for a PKCE challenge and a signed state, calls
 * `zoomSdk.authorize`, and posts what `onAuthorized` returns. Completing it proves which Zoom
 * account the user belongs to (`GET /v2/users/me`, whose `id` must be the signed-in Zoom user):
 * multi tenant, that binds the user to that account; single tenant, it must be ZOOM_ACCOUNT_ID.
 * Either way the answer is a new session bound to that account (one that was not is signed out).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { OAuthCompleteRequest } from '@switchboard/protocol/rest'
import { sendError } from './http.ts'
import { signInUser } from './identity.ts'
import { exchangeCode, fetchMe, ZoomHttpError } from './oauth-client.ts'
import { checkOAuthState, startOAuth } from './oauth-state.ts'
import { getAccessToken, saveTokens } from './oauth-tokens.ts'
import { sendSession, type RouteDeps } from './routes-session.ts'
import { authenticateRequest, issueSession, readSession, revokeSession } from './session.ts'
import type { SessionClaims } from './session-token.ts'
import { credentialsOf } from './settings.ts'
import { bindZoomUser } from './tenancy.ts'

export async function oauthRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { store, settings, live, now } = deps

  /** The session (bound or still to connect) of a Zoom user; dev sign-in has no Zoom user. */
  async function zoomSession(request: FastifyRequest, reply: FastifyReply): Promise<SessionClaims | null> {
    if (!settings.oauth.enabled) {
      await sendError(reply, 'OAUTH_DISABLED')
      return null
    }
    const s = await readSession(store, settings, request, now())
    if (!s.ok) {
      await sendError(reply, s.code)
      return null
    }
    if (s.claims.cred === 'dev-signin') {
      await sendError(reply, 'FORBIDDEN', 'In-client OAuth needs a session that Zoom signed in (open the app from Zoom or the emulator).')
      return null
    }
    return s.claims
  }

  app.post('/api/oauth/start', async (request, reply) => {
    const claims = await zoomSession(request, reply)
    if (!claims) return reply
    const s = startOAuth(settings.sessionSecret, claims.sid, claims.sub, now())
    reply.header('cache-control', 'no-store')
    return { codeChallenge: s.codeChallenge, state: s.state }
  })

  app.post<{ Body: OAuthCompleteRequest }>('/api/oauth/complete', { schema: { body: OAuthCompleteRequest } }, async (request, reply) => {
    const claims = await zoomSession(request, reply)
    if (!claims) return reply
    const { code, state, redirectUri } = request.body
    const checked = checkOAuthState(settings.sessionSecret, state, claims.sid, claims.sub, now())
    if (!checked) return sendError(reply, 'OAUTH_STATE_INVALID')
    // The redirect URI is the page where authorize ran: it must be ours.
    let redirectOrigin: string
    try {
      redirectOrigin = new URL(redirectUri).origin
    } catch {
      return sendError(reply, 'VALIDATION_FAILED', 'redirectUri is not a URL.')
    }
    if (redirectOrigin !== settings.publicOrigin) return sendError(reply, 'VALIDATION_FAILED', 'redirectUri is not on this app.')
    const cred = credentialsOf(settings, claims.cred === 'development' ? 'development' : 'production') ?? settings.credentials[0]
    if (!cred) return sendError(reply, 'OAUTH_DISABLED')
    let tokens, me
    try {
      tokens = await exchangeCode(settings.oauth.hosts, cred, { code, redirectUri, codeVerifier: checked.codeVerifier }, now)
      me = await fetchMe(settings.oauth.hosts, tokens.accessToken)
    } catch (err) {
      request.log.warn({ status: err instanceof ZoomHttpError ? err.status : undefined, err: err instanceof ZoomHttpError ? undefined : err }, 'zoom oauth exchange failed')
      return sendError(reply, 'OAUTH_EXCHANGE_FAILED')
    }
    // The token must belong to the Zoom user the app context proved.
    if (me.id !== claims.sub) {
      request.log.warn('zoom oauth identity is not the signed-in Zoom user')
      return sendError(reply, 'FORBIDDEN', 'The Zoom user who authorized is not the one signed in.')
    }
    const tenancy = settings.tenancy
    if (tenancy.mode === 'single' && me.accountId !== tenancy.zoomAccountId) {
      request.log.warn('zoom oauth account is not the one this deployment serves')
      return sendError(reply, 'FORBIDDEN', 'Your Zoom account is not the one this Switchboard serves.')
    }
    const user = await store.transaction(async (tx) => {
      const accountId = tenancy.mode === 'single' ? tenancy.accountId : await bindZoomUser(tx, settings, me.id, me.accountId, 'oauth')
      const u = await signInUser(tx, settings, accountId, me.id, { displayName: me.displayName, email: me.email })
      await saveTokens(tx, settings.tokenKey, { ...tokens, accountId, zoomUserId: me.id, userId: me.id, cred: cred.kind })
      // A session that was not bound to this account ends (its cookie is replaced by the answer's).
      if (claims.acc !== accountId) {
        await revokeSession(tx, claims.sid, claims.exp)
        await live.publish(tx, { t: 'end', s: claims.sid })
      }
      return u
    })
    request.log.info({ tenancy: tenancy.mode }, 'zoom account connected')
    return sendSession(reply, issueSession(settings, user, claims.cred, now()), { connected: true, scopes: tokens.scopes })
  })

  app.get('/api/oauth/status', async (request, reply) => {
    if (!settings.oauth.enabled) return { enabled: false, connected: false, scopes: [] }
    const auth = await authenticateRequest(store, settings, request, now())
    if (!auth.ok) return sendError(reply, auth.code)
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
