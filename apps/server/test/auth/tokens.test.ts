import { describe, expect, it } from 'vitest'
import { checkOAuthState, pkceVerifier, startOAuth } from '../../src/auth/oauth-state.ts'
import { signToken, verifyToken, type SessionClaims } from '../../src/auth/session-token.ts'
import { deriveTokenKey, openToken, sealToken, zoomAccountKey } from '../../src/auth/token-crypto.ts'

const SECRET = 's'.repeat(40)
const NOW = 1_760_000_000_000

function claims(over: Partial<SessionClaims> = {}): SessionClaims {
  return { k: 'session', sid: 'sid-0123456789abcdef', sub: 'u1', acc: 'A', role: 'agent', name: null, cred: 'production', iat: NOW, exp: NOW + 60_000, ...over }
}

describe('session tokens', () => {
  it('verify while fresh, expire after exp', () => {
    const t = signToken(SECRET, claims())
    expect(verifyToken(SECRET, t, 'session', NOW)).toMatchObject({ ok: true, claims: { acc: 'A' } })
    expect(verifyToken(SECRET, t, 'session', NOW + 60_000)).toEqual({ ok: false, code: 'SESSION_EXPIRED' })
  })

  it('a session token is not a ws token and vice versa', () => {
    expect(verifyToken(SECRET, signToken(SECRET, claims()), 'ws', NOW)).toEqual({ ok: false, code: 'UNAUTHENTICATED' })
    expect(verifyToken(SECRET, signToken(SECRET, claims({ k: 'ws' })), 'session', NOW)).toEqual({ ok: false, code: 'UNAUTHENTICATED' })
  })

  it('rejects forged tokens: another secret, edited claims, garbage', () => {
    expect(verifyToken(SECRET, signToken('x'.repeat(40), claims()), 'session', NOW).ok).toBe(false)
    const [, sig] = signToken(SECRET, claims()).split('.')
    const edited = Buffer.from(JSON.stringify(claims({ acc: 'B' }))).toString('base64url') + '.' + sig
    expect(verifyToken(SECRET, edited, 'session', NOW)).toEqual({ ok: false, code: 'UNAUTHENTICATED' })
    for (const bad of ['', '.', 'abc', 'abc.', '.abc', 'a'.repeat(5000)]) {
      expect(verifyToken(SECRET, bad, 'session', NOW).ok).toBe(false)
    }
  })
})

describe('oauth state and PKCE', () => {
  it('state is bound to account and user and expires', () => {
    const s = startOAuth(SECRET, 'A', 'u1', NOW)
    expect(s.codeChallenge).toBe(s.codeVerifier)
    expect(s.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/)
    expect(checkOAuthState(SECRET, s.state, 'A', 'u1', NOW + 1000)).toEqual({ codeVerifier: s.codeVerifier })
    expect(checkOAuthState(SECRET, s.state, 'B', 'u1', NOW)).toBeNull()
    expect(checkOAuthState(SECRET, s.state, 'A', 'u2', NOW)).toBeNull()
    expect(checkOAuthState(SECRET, s.state, 'A', 'u1', s.expiresAt)).toBeNull()
    expect(checkOAuthState('y'.repeat(40), s.state, 'A', 'u1', NOW)).toBeNull()
  })

  it('each start has its own verifier, recomputable from the state alone', () => {
    const a = startOAuth(SECRET, 'A', 'u1', NOW)
    const b = startOAuth(SECRET, 'A', 'u1', NOW)
    expect(a.codeVerifier).not.toBe(b.codeVerifier)
    expect(pkceVerifier(SECRET, 'n1')).toBe(pkceVerifier(SECRET, 'n1'))
  })

  it('a session token is not accepted as a state (domain-separated MACs)', () => {
    const t = signToken(SECRET, claims({ k: 'session' }))
    expect(checkOAuthState(SECRET, t, 'A', 'u1', NOW)).toBeNull()
  })
})

describe('token encryption at rest', () => {
  it('seals and opens; the AAD binds it to its row; keys differ by source', () => {
    const key = deriveTokenKey(undefined, SECRET)
    const sealed = sealToken(key, 'access-token-value', 'access:A:u1')
    expect(sealed.startsWith('v1.')).toBe(true)
    expect(sealed).not.toContain('access-token-value')
    expect(openToken(key, sealed, 'access:A:u1')).toBe('access-token-value')
    expect(() => openToken(key, sealed, 'access:B:u1')).toThrow()
    expect(() => openToken(deriveTokenKey('k'.repeat(32), SECRET), sealed, 'access:A:u1')).toThrow()
    expect(deriveTokenKey(undefined, SECRET).equals(deriveTokenKey(SECRET, SECRET))).toBe(false)
  })

  it('zoom account ids become stable pseudonyms', () => {
    expect(zoomAccountKey('acct1')).toBe(zoomAccountKey('acct1'))
    expect(zoomAccountKey('acct1')).not.toBe(zoomAccountKey('acct2'))
    expect(zoomAccountKey('acct1')).toMatch(/^za_[A-Za-z0-9_-]{22}$/)
    expect(zoomAccountKey('acct1')).not.toContain('acct1')
  })
})
