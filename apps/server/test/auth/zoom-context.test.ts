import { describe, expect, it } from 'vitest'
import {
  decryptZoomContext, encryptZoomContext, verifyZoomContext, ZOOM_ISSUER, type ZoomCredential,
} from '../../src/auth/zoom-context.ts'

const NOW = 1_760_000_000_000
const prod: ZoomCredential = { clientId: 'prodClientId', clientSecret: 'prod-secret-0123456789', kind: 'production' }
const dev: ZoomCredential = { clientId: 'devClientId', clientSecret: 'dev-secret-9876543210', kind: 'development' }
const credentials = [prod, dev]

function payload(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { typ: 'panel', uid: 'zoomUser1', ts: NOW - 1000, exp: NOW + 119_000, iss: ZOOM_ISSUER, aud: prod.clientId, ...over }
}

const verify = (token: string, now = NOW) => verifyZoomContext(token, { credentials, now, skewMs: 30_000 })

describe('zoom app context', () => {
  it('round-trips through the documented byte layout', () => {
    const token = encryptZoomContext(payload(), prod.clientSecret)
    const buf = Buffer.from(token, 'base64')
    expect(buf.readUInt8(0)).toBe(12)
    expect(buf.readUInt16LE(1 + 12)).toBe(0)
    const cipherLength = buf.readUInt32LE(1 + 12 + 2)
    expect(buf.length).toBe(1 + 12 + 2 + 4 + cipherLength + 16)
    expect(decryptZoomContext(token, prod.clientSecret)).toEqual(payload())
  })

  it('accepts a non-empty AAD and another IV length', () => {
    const token = encryptZoomContext(payload(), prod.clientSecret, { iv: Buffer.alloc(16, 7), aad: Buffer.from('zoom-aad') })
    const r = verify(token)
    expect(r.ok && r.context.uid).toBe('zoomUser1')
  })

  it('a valid context verifies and names the production credentials', () => {
    const r = verify(encryptZoomContext(payload(), prod.clientSecret))
    expect(r).toMatchObject({ ok: true, context: { uid: 'zoomUser1' }, cred: { kind: 'production' } })
  })

  it('development credentials are accepted too and remembered', () => {
    const r = verify(encryptZoomContext(payload({ aud: dev.clientId }), dev.clientSecret))
    expect(r).toMatchObject({ ok: true, cred: { kind: 'development' } })
  })

  it('rejects a wrong secret', () => {
    expect(verify(encryptZoomContext(payload(), 'some-other-secret'))).toEqual({ ok: false, code: 'INVALID_APP_CONTEXT' })
  })

  it('rejects any single flipped byte', () => {
    const buf = Buffer.from(encryptZoomContext(payload(), prod.clientSecret), 'base64')
    for (let i = 0; i < buf.length; i++) {
      const copy = Buffer.from(buf)
      copy[i] = copy[i]! ^ 0x01
      expect(verify(copy.toString('base64')), `byte ${i}`).toEqual({ ok: false, code: 'INVALID_APP_CONTEXT' })
    }
  })

  it('rejects an expired context with APP_CONTEXT_EXPIRED, tolerating small skew', () => {
    const token = encryptZoomContext(payload({ exp: NOW - 10_000 }), prod.clientSecret)
    expect(verify(token)).toMatchObject({ ok: true })
    expect(verify(token, NOW + 25_000)).toEqual({ ok: false, code: 'APP_CONTEXT_EXPIRED' })
    const old = encryptZoomContext(payload({ ts: NOW - 600_000, exp: NOW - 480_000 }), prod.clientSecret)
    expect(verify(old)).toEqual({ ok: false, code: 'APP_CONTEXT_EXPIRED' })
  })

  it('reads exp as epoch milliseconds (a seconds value is long expired)', () => {
    const token = encryptZoomContext(payload({ exp: Math.floor(NOW / 1000) + 120 }), prod.clientSecret)
    expect(verify(token)).toEqual({ ok: false, code: 'APP_CONTEXT_EXPIRED' })
  })

  it('rejects a wrong aud, including the other pair\'s client id', () => {
    expect(verify(encryptZoomContext(payload({ aud: 'someoneElse' }), prod.clientSecret))).toEqual({ ok: false, code: 'INVALID_APP_CONTEXT' })
    expect(verify(encryptZoomContext(payload({ aud: dev.clientId }), prod.clientSecret))).toEqual({ ok: false, code: 'INVALID_APP_CONTEXT' })
  })

  it('rejects a wrong or missing iss', () => {
    expect(verify(encryptZoomContext(payload({ iss: 'evil.example.com' }), prod.clientSecret))).toEqual({ ok: false, code: 'INVALID_APP_CONTEXT' })
    const { iss: _iss, ...noIss } = payload()
    expect(verify(encryptZoomContext(noIss, prod.clientSecret))).toEqual({ ok: false, code: 'INVALID_APP_CONTEXT' })
  })

  it('rejects a missing or empty uid (guest mode)', () => {
    const { uid: _uid, ...guest } = payload({ iid: 'invitation' })
    expect(verify(encryptZoomContext(guest, prod.clientSecret))).toEqual({ ok: false, code: 'INVALID_APP_CONTEXT' })
    expect(verify(encryptZoomContext(payload({ uid: '' }), prod.clientSecret))).toEqual({ ok: false, code: 'INVALID_APP_CONTEXT' })
  })

  it('rejects a ts far in the future and a non-numeric exp', () => {
    expect(verify(encryptZoomContext(payload({ ts: NOW + 3_600_000 }), prod.clientSecret))).toEqual({ ok: false, code: 'INVALID_APP_CONTEXT' })
    expect(verify(encryptZoomContext(payload({ exp: String(NOW + 60_000) }), prod.clientSecret))).toEqual({ ok: false, code: 'INVALID_APP_CONTEXT' })
  })

  it('rejects truncated input at every length', () => {
    const buf = Buffer.from(encryptZoomContext(payload(), prod.clientSecret), 'base64')
    for (let n = 0; n < buf.length; n++) {
      expect(verify(buf.subarray(0, n).toString('base64')), `length ${n}`).toEqual({ ok: false, code: 'INVALID_APP_CONTEXT' })
    }
    // and trailing garbage
    expect(verify(Buffer.concat([buf, Buffer.from([0])]).toString('base64'))).toEqual({ ok: false, code: 'INVALID_APP_CONTEXT' })
  })

  it('rejects non-base64 and non-JSON plaintext', () => {
    for (const bad of ['', '   ', 'not base64!!', '%%%%', 'a'.repeat(9000), '{"uid":"x"}']) {
      expect(verify(bad)).toEqual({ ok: false, code: 'INVALID_APP_CONTEXT' })
    }
    expect(verify(encryptZoomContext('just a string', prod.clientSecret))).toEqual({ ok: false, code: 'INVALID_APP_CONTEXT' })
    expect(decryptZoomContext(encryptZoomContext([1, 2], prod.clientSecret), prod.clientSecret)).toBeNull()
  })

  it('with no credentials configured nothing verifies', () => {
    expect(verifyZoomContext(encryptZoomContext(payload(), prod.clientSecret), { credentials: [], now: NOW })).toEqual({ ok: false, code: 'INVALID_APP_CONTEXT' })
  })
})
