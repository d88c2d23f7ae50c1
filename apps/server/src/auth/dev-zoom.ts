/**
 * Zoom, as the Zoom client emulator needs it in dev sign-in mode (never otherwise):
 *
 * - `POST /api/dev/zoom/app-context`: an encrypted app context for an emulated Zoom user, made
 *   with the development credential (`settings.emulator`), exactly the bytes Zoom sends, so the
 *   agent app signs in through the Home URL header or `POST /api/session` as in production.
 *   `connected: true` also binds the user to the account, the way dev sign-in places a user;
 *   `false` unbinds them, so they connect through in-client OAuth like a new user of a
 *   multi-tenant app; absent leaves the binding as it is.
 * - `POST /api/dev/zoom/authorize`: the consent the emulator's user clicked for `authorize()`;
 *   answers the authorization code.
 * - A stand-in for Zoom's OAuth and user endpoints (ZOOM_OAUTH_HOST / ZOOM_API_HOST default to
 *   `{PUBLIC_URL}/dev/zoom` in dev mode): `POST /dev/zoom/oauth/token` (HTTP Basic with the
 *   development credential, authorization code with the PKCE `plain` verifier, or a refresh
 *   token) and `GET /dev/zoom/v2/users/me`, answering the user and account the consent named.
 *
 * Codes and tokens are signed with the development client secret, so any node of a cluster
 * answers them; codes expire after five minutes and are single-use per node.
 */
import { timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { DevAppContextRequest, DevAuthorizeRequest } from '@switchboard/protocol/rest'
import { sendError } from './http.ts'
import type { RouteDeps } from './routes-session.ts'
import { openPayload, signPayload } from './signed.ts'
import { bindZoomUser } from './tenancy.ts'
import { upsertUser } from './users.ts'
import { encryptZoomContext, ZOOM_ISSUER, type ZoomCredential } from './zoom-context.ts'

const CONTEXT_TTL_MS = 120_000
const CODE_TTL_MS = 5 * 60_000
const ACCESS_TTL_S = 3600

/** Who consented, as `/v2/users/me` will describe them. */
interface Grant {
  uid: string
  acc: string
  name: string | null
}

interface Code extends Grant { k: 'code'; chal: string; redirect: string; exp: number }
interface Token extends Grant { k: 'access' | 'refresh'; exp: number }

function zoomError(reply: FastifyReply, status: number, reason: string): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').send({ reason, error: reason })
}

function basicMatches(header: string | undefined, cred: ZoomCredential): boolean {
  const expected = Buffer.from('Basic ' + Buffer.from(`${cred.clientId}:${cred.clientSecret}`, 'utf8').toString('base64'))
  const given = Buffer.from(header ?? '')
  return given.length === expected.length && timingSafeEqual(given, expected)
}

export async function devZoomRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { store, settings, now } = deps
  const cred = settings.emulator
  const refuse = async (_request: FastifyRequest, reply: FastifyReply) => {
    if (!cred) return sendError(reply, 'DEV_SIGNIN_DISABLED')
  }

  app.post<{ Body: DevAppContextRequest }>('/api/dev/zoom/app-context', {
    schema: { body: DevAppContextRequest }, preValidation: refuse,
  }, async (request, reply) => {
    const { accountId, userId, displayName, connected } = request.body
    if (connected === false) {
      await store.query('delete from zoom_identities where zoom_user_id = $1', [userId])
    } else if (connected === true) {
      await store.transaction(async (tx) => {
        const row = settings.tenancy.mode === 'single' ? settings.tenancy.accountId : await bindZoomUser(tx, settings, userId, accountId, 'dev')
        await upsertUser(tx, { accountId: row, userId, displayName: displayName ?? null })
      })
    }
    const ts = now()
    const context = encryptZoomContext(
      { typ: 'panel', uid: userId, ts, exp: ts + CONTEXT_TTL_MS, iss: ZOOM_ISSUER, aud: cred!.clientId },
      cred!.clientSecret,
    )
    reply.header('cache-control', 'no-store')
    return { context }
  })

  app.post<{ Body: DevAuthorizeRequest }>('/api/dev/zoom/authorize', {
    schema: { body: DevAuthorizeRequest }, preValidation: refuse,
  }, async (request, reply) => {
    const { accountId, userId, displayName, codeChallenge, redirectUri } = request.body
    const code: Code = {
      k: 'code', uid: userId, acc: accountId, name: displayName ?? null, chal: codeChallenge, redirect: redirectUri, exp: now() + CODE_TTL_MS,
    }
    reply.header('cache-control', 'no-store')
    return { code: signPayload(cred!.clientSecret, code, 'dev-zoom:') }
  })

  if (!cred) return
  const open = <T extends Code | Token>(token: unknown, kind: T['k']): T | null => {
    if (typeof token !== 'string') return null
    const v = openPayload(cred.clientSecret, token, 'dev-zoom:') as T | undefined
    return v && typeof v === 'object' && v.k === kind && v.exp > now() ? v : null
  }
  const spent = new Set<string>()
  const tokens = (g: Grant) => ({
    access_token: signPayload(cred.clientSecret, { k: 'access', uid: g.uid, acc: g.acc, name: g.name, exp: now() + ACCESS_TTL_S * 1000 } satisfies Token, 'dev-zoom:'),
    refresh_token: signPayload(cred.clientSecret, { k: 'refresh', uid: g.uid, acc: g.acc, name: g.name, exp: now() + 90 * 86_400_000 } satisfies Token, 'dev-zoom:'),
    token_type: 'bearer',
    expires_in: ACCESS_TTL_S,
    scope: 'user:read:user',
  })

  // Zoom posts a form body; parse it here only (the app's own API speaks JSON).
  await app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)))
    })
    scope.post<{ Body: Record<string, string> }>('/dev/zoom/oauth/token', async (request, reply) => {
      if (!basicMatches(request.headers.authorization, cred)) return zoomError(reply, 401, 'Invalid client')
      const form = request.body ?? {}
      if (form['grant_type'] === 'authorization_code') {
        const code = open<Code>(form['code'], 'code')
        if (!code || spent.has(form['code']!) || form['redirect_uri'] !== code.redirect || form['code_verifier'] !== code.chal) {
          return zoomError(reply, 400, 'Invalid authorization code')
        }
        spent.add(form['code']!)
        if (spent.size > 10_000) spent.clear()
        return reply.header('cache-control', 'no-store').send(tokens(code))
      }
      if (form['grant_type'] === 'refresh_token') {
        const refresh = open<Token>(form['refresh_token'], 'refresh')
        if (!refresh) return zoomError(reply, 400, 'Invalid Token!')
        return reply.header('cache-control', 'no-store').send(tokens(refresh))
      }
      return zoomError(reply, 400, 'Unsupported grant type')
    })
  })

  app.get('/dev/zoom/v2/users/me', async (request, reply) => {
    const auth = request.headers.authorization ?? ''
    const access = auth.startsWith('Bearer ') ? open<Token>(auth.slice(7), 'access') : null
    if (!access) return reply.code(401).send({ code: 124, message: 'Invalid access token.' })
    const [first, ...rest] = (access.name ?? access.uid).split(' ')
    return {
      id: access.uid,
      account_id: access.acc,
      display_name: access.name ?? access.uid,
      first_name: first ?? '',
      last_name: rest.join(' '),
      email: `${access.uid}@emulator.invalid`,
    }
  })
}
