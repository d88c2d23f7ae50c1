/**
 * In-client OAuth state and PKCE, stateless so any node can complete a flow another started.
 *
 * `state` = base64url(JSON { acc, sub, n, exp }) + "." + HMAC. The PKCE verifier is never
 * stored: it is recomputed as HMAC(secret, "pkce:" + n). Zoom's in-client flow only supports the
 * `plain` method, so the challenge equals the verifier.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

export const OAUTH_STATE_TTL_MS = 10 * 60_000

interface StateClaims {
  k: 'oauth'
  acc: string
  sub: string
  n: string
  exp: number
}

function mac(secret: string, data: string): Buffer {
  return createHmac('sha256', secret).update(data).digest()
}

/** 43 characters from the RFC 7636 unreserved set (base64url has no padding here). */
export function pkceVerifier(secret: string, nonce: string): string {
  return mac(secret, `pkce:${nonce}`).toString('base64url')
}

export interface OAuthStart {
  state: string
  codeVerifier: string
  /** Equal to the verifier: Zoom's in-client OAuth supports `plain` only. */
  codeChallenge: string
  expiresAt: number
}

export function startOAuth(secret: string, accountId: string, userId: string, now = Date.now()): OAuthStart {
  const claims: StateClaims = { k: 'oauth', acc: accountId, sub: userId, n: randomBytes(16).toString('base64url'), exp: now + OAUTH_STATE_TTL_MS }
  const body = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url')
  const state = `${body}.${mac(secret, `state:${body}`).toString('base64url')}`
  const codeVerifier = pkceVerifier(secret, claims.n)
  return { state, codeVerifier, codeChallenge: codeVerifier, expiresAt: claims.exp }
}

/**
 * Checks the signature, expiry and that the state was issued to this user in this account.
 * Returns the PKCE verifier to send with the code, or null.
 */
export function checkOAuthState(
  secret: string,
  state: string,
  accountId: string,
  userId: string,
  now = Date.now(),
): { codeVerifier: string } | null {
  const dot = state.indexOf('.')
  if (dot <= 0 || state.length > 512) return null
  const body = state.slice(0, dot)
  const sig = Buffer.from(state.slice(dot + 1), 'base64url')
  const expected = mac(secret, `state:${body}`)
  if (sig.length !== expected.length || !timingSafeEqual(sig, expected)) return null
  let claims: StateClaims
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as StateClaims
  } catch {
    return null
  }
  if (claims.k !== 'oauth' || typeof claims.n !== 'string' || typeof claims.exp !== 'number') return null
  if (claims.exp <= now || claims.acc !== accountId || claims.sub !== userId) return null
  return { codeVerifier: pkceVerifier(secret, claims.n) }
}
