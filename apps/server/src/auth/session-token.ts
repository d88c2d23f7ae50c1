/**
 * Our own short sessions, issued after a Zoom app context (or dev sign-in) is verified.
 * A token is `base64url(JSON claims) + "." + base64url(HMAC-SHA256(secret, first part))`.
 *
 * - kind `session`: the httpOnly cookie (`sb_session`), hours long; the only REST credential.
 * - kind `ws`: short-lived, accepted only by the WebSocket upgrade as `?token=`.
 *
 * Every token names its session (`sid`): a WS token carries the id and expiry of the session it
 * was issued under, so signing out (revoked_sessions) ends the cookie, its WS tokens and the
 * sockets they opened; the socket closes when that session expires.
 */
import { randomBytes } from 'node:crypto'
import type { Role } from '@switchboard/protocol'
import { openPayload, signPayload } from './signed.ts'

export const SESSION_COOKIE = 'sb_session'

export interface SessionClaims {
  /** token kind */
  k: 'session' | 'ws'
  /** session id (random): the cookie's, for a WS token the session it was issued under */
  sid: string
  /** user id (Zoom uid) */
  sub: string
  /** account id; null while the Zoom user's account is not bound (multi-tenant, before OAuth) */
  acc: string | null
  role: Role
  name: string | null
  /** which credentials verified the Zoom context: 'production' | 'development' | 'dev-signin' */
  cred: 'production' | 'development' | 'dev-signin'
  /** issued at / expires at, epoch ms */
  iat: number
  exp: number
  /** WS tokens: when the session they were issued under expires (the socket closes then) */
  sexp?: number
}

/** A fresh session id (128 random bits). */
export function newSessionId(): string {
  return randomBytes(16).toString('base64url')
}

export function signToken(secret: string, claims: SessionClaims): string {
  return signPayload(secret, claims)
}

export type VerifyResult =
  | { ok: true; claims: SessionClaims }
  | { ok: false; code: 'UNAUTHENTICATED' | 'SESSION_EXPIRED' }

/** Checks signature, kind and expiry. `now` is passed in so tests control the clock. */
export function verifyToken(secret: string, token: string, kind: SessionClaims['k'], now = Date.now()): VerifyResult {
  const claims = openPayload(secret, token) as SessionClaims | null | undefined
  if (claims === undefined) return { ok: false, code: 'UNAUTHENTICATED' }
  if (typeof claims !== 'object' || claims === null || claims.k !== kind || typeof claims.sub !== 'string'
    || (typeof claims.acc !== 'string' && claims.acc !== null) || !validSid(claims.sid)) {
    return { ok: false, code: 'UNAUTHENTICATED' }
  }
  if (typeof claims.exp !== 'number' || claims.exp <= now) return { ok: false, code: 'SESSION_EXPIRED' }
  if (claims.sexp !== undefined && (typeof claims.sexp !== 'number' || claims.sexp <= now)) return { ok: false, code: 'SESSION_EXPIRED' }
  return { ok: true, claims }
}

function validSid(v: unknown): v is string {
  return typeof v === 'string' && v.length >= 16 && v.length <= 64
}

/** When the session behind a token ends: its own expiry, or for a WS token its session's. */
export function sessionExpiry(claims: SessionClaims): number {
  return claims.sexp ?? claims.exp
}
