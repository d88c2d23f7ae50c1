/**
 * In-client OAuth state and PKCE, stateless so any node can complete a flow another started.
 *
 * `state` = base64url(JSON { sid, sub, n, exp }) + "." + HMAC, bound to the session that started
 * the flow (a state from another session, or another Zoom user, is refused). The PKCE verifier is never
 * stored: it is recomputed as HMAC(secret, "pkce:" + n). Zoom's in-client flow only supports the
 * `plain` method, so the challenge equals the verifier.
 */
import { randomBytes } from 'node:crypto'
import { hmacB64, openPayload, signPayload } from './signed.ts'

export const OAUTH_STATE_TTL_MS = 10 * 60_000

interface StateClaims {
  k: 'oauth'
  sid: string
  sub: string
  n: string
  exp: number
}

/** 43 characters from the RFC 7636 unreserved set (base64url has no padding here). */
export function pkceVerifier(secret: string, nonce: string): string {
  return hmacB64(secret, `pkce:${nonce}`)
}

export interface OAuthStart {
  state: string
  codeVerifier: string
  /** Equal to the verifier: Zoom's in-client OAuth supports `plain` only. */
  codeChallenge: string
  expiresAt: number
}

export function startOAuth(secret: string, sessionId: string, userId: string, now = Date.now()): OAuthStart {
  const claims: StateClaims = { k: 'oauth', sid: sessionId, sub: userId, n: randomBytes(16).toString('base64url'), exp: now + OAUTH_STATE_TTL_MS }
  const state = signPayload(secret, claims, 'state:')
  const codeVerifier = pkceVerifier(secret, claims.n)
  return { state, codeVerifier, codeChallenge: codeVerifier, expiresAt: claims.exp }
}

/**
 * Checks the signature, expiry and that the state was issued to this user in this session.
 * Returns the PKCE verifier to send with the code, or null.
 */
export function checkOAuthState(
  secret: string,
  state: string,
  sessionId: string,
  userId: string,
  now = Date.now(),
): { codeVerifier: string } | null {
  const claims = openPayload(secret, state, 'state:', 512) as StateClaims | null | undefined
  if (typeof claims !== 'object' || claims === null) return null
  if (claims.k !== 'oauth' || typeof claims.n !== 'string' || typeof claims.exp !== 'number') return null
  if (claims.exp <= now || claims.sid !== sessionId || claims.sub !== userId) return null
  return { codeVerifier: pkceVerifier(secret, claims.n) }
}
