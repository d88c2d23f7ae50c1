/**
 * Our own short sessions, issued after a Zoom app context (or dev sign-in) is verified.
 * A token is `base64url(JSON claims) + "." + base64url(HMAC-SHA256(secret, first part))`.
 *
 * - kind `session`: the httpOnly cookie (`sb_session`), hours long.
 * - kind `ws`: short-lived, accepted by the WebSocket upgrade as `?token=`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { Role } from '@switchboard/protocol'

export const SESSION_COOKIE = 'sb_session'

export interface SessionClaims {
  /** token kind */
  k: 'session' | 'ws'
  /** user id (Zoom uid) */
  sub: string
  /** account id */
  acc: string
  role: Role
  name: string | null
  /** which credentials verified the Zoom context: 'production' | 'development' | 'dev-signin' */
  cred: 'production' | 'development' | 'dev-signin'
  /** issued at / expires at, epoch ms */
  iat: number
  exp: number
}

function b64url(buf: Buffer): string {
  return buf.toString('base64url')
}

function mac(secret: string, data: string): Buffer {
  return createHmac('sha256', secret).update(data).digest()
}

export function signToken(secret: string, claims: SessionClaims): string {
  const body = b64url(Buffer.from(JSON.stringify(claims), 'utf8'))
  return `${body}.${b64url(mac(secret, body))}`
}

export type VerifyResult =
  | { ok: true; claims: SessionClaims }
  | { ok: false; code: 'UNAUTHENTICATED' | 'SESSION_EXPIRED' }

/** Checks signature, kind and expiry. `now` is passed in so tests control the clock. */
export function verifyToken(secret: string, token: string, kind: SessionClaims['k'], now = Date.now()): VerifyResult {
  const dot = token.indexOf('.')
  if (dot <= 0 || token.length > 4096) return { ok: false, code: 'UNAUTHENTICATED' }
  const body = token.slice(0, dot)
  let sig: Buffer
  try {
    sig = Buffer.from(token.slice(dot + 1), 'base64url')
  } catch {
    return { ok: false, code: 'UNAUTHENTICATED' }
  }
  const expected = mac(secret, body)
  if (sig.length !== expected.length || !timingSafeEqual(sig, expected)) return { ok: false, code: 'UNAUTHENTICATED' }
  let claims: SessionClaims
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as SessionClaims
  } catch {
    return { ok: false, code: 'UNAUTHENTICATED' }
  }
  if (claims.k !== kind || typeof claims.sub !== 'string' || typeof claims.acc !== 'string') {
    return { ok: false, code: 'UNAUTHENTICATED' }
  }
  if (typeof claims.exp !== 'number' || claims.exp <= now) return { ok: false, code: 'SESSION_EXPIRED' }
  return { ok: true, claims }
}
