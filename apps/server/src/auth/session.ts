/**
 * Issuing our sessions and reading them back from a request.
 */
import type { FastifyReply } from 'fastify'
import type { SessionUser } from '@switchboard/protocol'
import type { Db } from '../store/port.ts'
import { SESSION_COOKIE, signToken, verifyToken, type SessionClaims } from './session-token.ts'
import type { AuthSettings } from './settings.ts'
import { getUser } from './users.ts'

export type SessionCred = SessionClaims['cred']

export interface IssuedSession {
  user: SessionUser
  /** Goes into the `sb_session` cookie only. */
  sessionToken: string
  wsToken: string
  expiresAt: number
  wsExpiresAt: number
}

export function issueSession(settings: AuthSettings, user: SessionUser, cred: SessionCred, now = Date.now()): IssuedSession {
  const base = { sub: user.id, acc: user.accountId, role: user.role, name: user.displayName, cred, iat: now }
  const expiresAt = now + settings.sessionTtlMs
  const wsExpiresAt = now + settings.wsTokenTtlMs
  return {
    user,
    sessionToken: signToken(settings.sessionSecret, { ...base, k: 'session', exp: expiresAt }),
    wsToken: issueWsToken(settings, user, cred, now),
    expiresAt,
    wsExpiresAt,
  }
}

export function issueWsToken(settings: AuthSettings, user: SessionUser, cred: SessionCred, now = Date.now()): string {
  return signToken(settings.sessionSecret, {
    k: 'ws', sub: user.id, acc: user.accountId, role: user.role, name: user.displayName, cred, iat: now, exp: now + settings.wsTokenTtlMs,
  })
}

/**
 * httpOnly, Secure, SameSite=None, Path=/: the Zoom client's embedded browser keeps it, and
 * browsers accept Secure cookies on http://localhost for local work.
 */
export function setSessionCookie(reply: FastifyReply, session: IssuedSession): void {
  reply.setCookie(SESSION_COOKIE, session.sessionToken, {
    httpOnly: true, secure: true, sameSite: 'none', path: '/', expires: new Date(session.expiresAt),
  })
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { httpOnly: true, secure: true, sameSite: 'none', path: '/' })
}

/** What `authenticateRequest` reads: the parsed cookies and query string of a request. */
export interface CredentialSource {
  cookies?: Record<string, string | undefined> | undefined
  query?: unknown
}

export type AuthResult =
  | { ok: true; user: SessionUser; claims: SessionClaims }
  | { ok: false; code: 'UNAUTHENTICATED' | 'SESSION_EXPIRED' }

function queryToken(query: unknown): string | undefined {
  if (typeof query !== 'object' || query === null) return undefined
  const t = (query as Record<string, unknown>)['token']
  return typeof t === 'string' && t !== '' ? t : undefined
}

/** A session outlives neither dev sign-in being turned off nor its Zoom credentials being removed. */
function credStillValid(settings: AuthSettings, cred: SessionCred): boolean {
  if (cred === 'dev-signin') return settings.devSignIn
  return settings.credentials.some((c) => c.kind === cred)
}

/**
 * Verifies `?token=` (a `ws` token) or else the `sb_session` cookie (a `session` token), then
 * loads the user from the token's account: the role is the current one, and a token can never
 * reach another account because the account comes from the signed token alone.
 */
export async function authenticateRequest(
  db: Db,
  settings: AuthSettings,
  source: CredentialSource,
  now = Date.now(),
): Promise<AuthResult> {
  const candidates: Array<[string, SessionClaims['k']]> = []
  const q = queryToken(source.query)
  if (q) candidates.push([q, 'ws'])
  const c = source.cookies?.[SESSION_COOKIE]
  if (c) candidates.push([c, 'session'])
  let failure: 'UNAUTHENTICATED' | 'SESSION_EXPIRED' = 'UNAUTHENTICATED'
  for (const [token, kind] of candidates) {
    const v = verifyToken(settings.sessionSecret, token, kind, now)
    if (!v.ok) {
      if (v.code === 'SESSION_EXPIRED') failure = v.code
      continue
    }
    if (!credStillValid(settings, v.claims.cred)) continue
    const row = await getUser(db, v.claims.acc, v.claims.sub)
    if (!row) continue
    return {
      ok: true,
      claims: v.claims,
      user: { id: row.id, accountId: row.accountId, role: row.role, displayName: row.displayName },
    }
  }
  return { ok: false, code: failure }
}
