/**
 * Issuing our sessions, reading them back from a request, and ending them.
 *
 * REST reads the `sb_session` cookie only; the WebSocket upgrade also takes a `ws` token as
 * `?token=` (webviews that do not send the cookie on upgrade). A WS token is never a REST
 * credential. Every check loads the user's current row (the role is the current one, and a token
 * reaches only the account it was signed for) and whether the session was signed out.
 */
import type { FastifyReply } from 'fastify'
import type { SessionUser } from '@switchboard/protocol'
import type { Db } from '../store/port.ts'
import { newSessionId, SESSION_COOKIE, sessionExpiry, signToken, verifyToken, type SessionClaims } from './session-token.ts'
import type { AuthSettings } from './settings.ts'

export type SessionCred = SessionClaims['cred']

export interface IssuedSession {
  /** Null: a Zoom user whose account is not bound yet (multi-tenant, before in-client OAuth). */
  user: SessionUser | null
  sid: string
  /** Goes into the `sb_session` cookie only. */
  sessionToken: string
  /** Null while the account is not bound: such a session opens no socket. */
  wsToken: string | null
  expiresAt: number
  wsExpiresAt: number
}

/** A bound session for `user`; or, with `user` null, one for a Zoom user still to connect. */
export function issueSession(
  settings: AuthSettings,
  user: SessionUser | null,
  cred: SessionCred,
  now = Date.now(),
  zoomUserId?: string,
): IssuedSession {
  const sub = user?.id ?? zoomUserId
  if (sub === undefined) throw new Error('issueSession: a user or a Zoom user id is required')
  const claims: SessionClaims = {
    k: 'session', sid: newSessionId(), sub, acc: user?.accountId ?? null,
    role: user?.role ?? 'agent', name: user?.displayName ?? null, cred, iat: now, exp: now + settings.sessionTtlMs,
  }
  const wsToken = user ? issueWsToken(settings, claims, user, now) : null
  return {
    user,
    sid: claims.sid,
    sessionToken: signToken(settings.sessionSecret, claims),
    wsToken,
    expiresAt: claims.exp,
    wsExpiresAt: Math.min(now + settings.wsTokenTtlMs, claims.exp),
  }
}

/** A short WebSocket token under an existing (bound) session: same `sid`, ends with it. */
export function issueWsToken(settings: AuthSettings, session: SessionClaims, user: SessionUser, now = Date.now()): string {
  const sexp = sessionExpiry(session)
  return signToken(settings.sessionSecret, {
    k: 'ws', sid: session.sid, sub: user.id, acc: user.accountId, role: user.role, name: user.displayName,
    cred: session.cred, iat: now, exp: Math.min(now + settings.wsTokenTtlMs, sexp), sexp,
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

export type AuthFailure = 'UNAUTHENTICATED' | 'SESSION_EXPIRED' | 'ACCOUNT_NOT_CONNECTED'

export type AuthResult =
  | { ok: true; user: SessionUser; claims: SessionClaims }
  | { ok: false; code: AuthFailure }

export type SessionResult =
  | { ok: true; claims: SessionClaims }
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

/** The candidate tokens of a request, strongest first: a WS token (upgrade only), the cookie. */
function candidates(source: CredentialSource, ws: boolean): Array<[string, SessionClaims['k']]> {
  const out: Array<[string, SessionClaims['k']]> = []
  const q = ws ? queryToken(source.query) : undefined
  if (q) out.push([q, 'ws'])
  const c = source.cookies?.[SESSION_COOKIE]
  if (c) out.push([c, 'session'])
  return out
}

/** Signature, kind, expiry and credential checks, without the database. */
export function verifySessionTokens(settings: AuthSettings, source: CredentialSource, now: number, ws = false): SessionResult[] {
  return candidates(source, ws).map(([token, kind]) => {
    const v = verifyToken(settings.sessionSecret, token, kind, now)
    if (v.ok && !credStillValid(settings, v.claims.cred)) return { ok: false, code: 'UNAUTHENTICATED' } as const
    return v
  })
}

export async function isRevoked(db: Db, sid: string): Promise<boolean> {
  const res = await db.query('select 1 from revoked_sessions where session_id = $1', [sid])
  return res.rowCount > 0
}

/**
 * The session of a request, bound or not (sign-out, in-client OAuth): the first valid token that
 * was not signed out.
 */
export async function readSession(db: Db, settings: AuthSettings, source: CredentialSource, now = Date.now()): Promise<SessionResult> {
  let failure: SessionResult = { ok: false, code: 'UNAUTHENTICATED' }
  for (const v of verifySessionTokens(settings, source, now)) {
    if (!v.ok) {
      if (v.code === 'SESSION_EXPIRED') failure = v
      continue
    }
    if (await isRevoked(db, v.claims.sid)) continue
    return v
  }
  return failure
}

interface UserRow {
  account_id: string
  id: string
  display_name: string | null
  role: SessionUser['role']
  revoked: boolean
}

/**
 * The signed-in user of a request, with the current role from the database. `ws` admits a
 * `?token=` WS token (the `/ws` upgrade only). A session whose account is not bound yet answers
 * ACCOUNT_NOT_CONNECTED; a signed-out one, or one whose user was removed, UNAUTHENTICATED.
 */
export async function authenticateRequest(
  db: Db,
  settings: AuthSettings,
  source: CredentialSource,
  now = Date.now(),
  opts: { ws?: boolean } = {},
): Promise<AuthResult> {
  let failure: AuthFailure = 'UNAUTHENTICATED'
  for (const v of verifySessionTokens(settings, source, now, opts.ws === true)) {
    if (!v.ok) {
      if (v.code === 'SESSION_EXPIRED' && failure === 'UNAUTHENTICATED') failure = v.code
      continue
    }
    const { claims } = v
    if (claims.acc === null) {
      if (!(await isRevoked(db, claims.sid))) failure = 'ACCOUNT_NOT_CONNECTED'
      continue
    }
    // One round trip: the user's current row and whether this session was signed out.
    const res = await db.query<UserRow>(
      `select account_id, id, display_name, role,
         exists (select 1 from revoked_sessions where session_id = $3) as revoked
       from users where account_id = $1 and id = $2`,
      [claims.acc, claims.sub, claims.sid],
    )
    const row = res.rows[0]
    if (!row || row.revoked) continue
    return {
      ok: true,
      claims,
      user: { id: row.id, accountId: row.account_id, role: row.role, displayName: row.display_name },
    }
  }
  return { ok: false, code: failure }
}

/** Signs a session out: its cookie, its WS tokens and (through the caller) its open sockets. */
export async function revokeSession(db: Db, sid: string, expiresAt: number): Promise<void> {
  await db.query(
    `insert into revoked_sessions (session_id, expires_at) values ($1, to_timestamp($2::double precision / 1000))
     on conflict (session_id) do nothing`,
    [sid, expiresAt],
  )
}

/** Drops revocations and used contexts whose tokens have expired anyway (a periodic job). */
export async function sweepExpired(db: Db): Promise<void> {
  await db.query('delete from revoked_sessions where expires_at < now()')
  await db.query('delete from used_app_contexts where expires_at < now()')
}
