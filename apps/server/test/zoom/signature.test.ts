import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { MAX_SKEW_MS, signatureOf, urlValidationReply, verifySignature } from '../../src/zoom/signature.ts'

const SECRET = 'zoom-secret-token'
const NOW = 1_767_225_600_000
const TS = String(NOW / 1000)
const BODY = '{"event":"contact_center.engagement_ended","event_ts":1767225600000,"payload":{"account_id":"A","object":{"engagement_id":"e1"}}}'

describe('Zoom webhook signatures', () => {
  it('is v0= + hex HMAC-SHA256 of "v0:{timestamp}:{body}" (as Zoom documents it)', () => {
    const expected = 'v0=' + createHmac('sha256', SECRET).update(`v0:${TS}:${BODY}`).digest('hex')
    expect(signatureOf(SECRET, TS, BODY)).toBe(expected)
    expect(signatureOf(SECRET, TS, Buffer.from(BODY))).toBe(expected)
  })

  it('verifies the raw bytes: the same JSON re-serialized differently does not verify', () => {
    const sig = signatureOf(SECRET, TS, BODY)
    expect(verifySignature({ secret: SECRET, signature: sig, timestamp: TS, rawBody: Buffer.from(BODY), now: NOW })).toEqual({ ok: true })
    const reformatted = JSON.stringify(JSON.parse(BODY), null, 1)
    expect(verifySignature({ secret: SECRET, signature: sig, timestamp: TS, rawBody: Buffer.from(reformatted), now: NOW }))
      .toEqual({ ok: false, reason: 'bad-signature' })
  })

  it.each([
    ['missing signature', { signature: undefined }, 'missing-headers'],
    ['missing timestamp', { timestamp: undefined }, 'missing-headers'],
    ['timestamp not seconds', { timestamp: '2026-01-01T00:00:00Z' }, 'bad-timestamp'],
    ['stale timestamp', { now: NOW + MAX_SKEW_MS + 1000 }, 'stale-timestamp'],
    ['future timestamp', { now: NOW - MAX_SKEW_MS - 1000 }, 'future-timestamp'],
    ['wrong secret', { secret: 'other' }, 'bad-signature'],
    ['signature of another timestamp', { signature: signatureOf(SECRET, String(NOW / 1000 - 1), BODY) }, 'bad-signature'],
    ['truncated signature', { signature: signatureOf(SECRET, TS, BODY).slice(0, 20) }, 'bad-signature'],
  ])('refuses a %s', (_name, change, reason) => {
    const input = { secret: SECRET, signature: signatureOf(SECRET, TS, BODY) as string | undefined, timestamp: TS as string | undefined, rawBody: Buffer.from(BODY), now: NOW, ...change }
    expect(verifySignature(input)).toEqual({ ok: false, reason })
  })

  it('answers URL validation with the hex HMAC-SHA256 of the plain token', () => {
    expect(urlValidationReply(SECRET, 'qgg8vlvZRS6UYooatFL8Aw')).toEqual({
      plainToken: 'qgg8vlvZRS6UYooatFL8Aw',
      encryptedToken: createHmac('sha256', SECRET).update('qgg8vlvZRS6UYooatFL8Aw').digest('hex'),
    })
  })
})
