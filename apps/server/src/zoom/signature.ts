/**
 * Zoom webhook signatures (developers.zoom.us/docs/api/webhooks):
 *   x-zm-signature         = "v0=" + hex(HMAC-SHA256(secret token, "v0:{timestamp}:{body}"))
 *   x-zm-request-timestamp = Unix seconds
 * We hash the raw body bytes as received (Zoom's samples hash JSON.stringify of the parsed body,
 * which only matches when the re-serialization is byte-identical), compare in constant time,
 * and refuse timestamps more than five minutes from our clock: Zoom documents no replay window,
 * and a captured request replayed later must not verify (a replay inside the window is caught by
 * the delivery table instead).
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

export const SIGNATURE_HEADER = 'x-zm-signature'
export const TIMESTAMP_HEADER = 'x-zm-request-timestamp'
/** Largest accepted |now - timestamp|. */
export const MAX_SKEW_MS = 5 * 60_000

export type VerifyResult =
  | { ok: true }
  | { ok: false; reason: 'missing-headers' | 'bad-timestamp' | 'stale-timestamp' | 'future-timestamp' | 'bad-signature' }

function hmacHex(secret: string, data: string | Buffer): string {
  return createHmac('sha256', secret).update(data).digest('hex')
}

/** The `x-zm-signature` value Zoom sends for this timestamp (seconds, as sent) and raw body. */
export function signatureOf(secret: string, timestamp: string, rawBody: Buffer | string): string {
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody
  const h = createHmac('sha256', secret)
  h.update(`v0:${timestamp}:`, 'utf8')
  h.update(body)
  return `v0=${h.digest('hex')}`
}

export function verifySignature(input: {
  secret: string
  signature: string | undefined
  timestamp: string | undefined
  rawBody: Buffer
  now: number
}): VerifyResult {
  const { signature, timestamp } = input
  if (!signature || !timestamp) return { ok: false, reason: 'missing-headers' }
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'bad-timestamp' }
  const skew = input.now - Number(timestamp) * 1000
  if (skew > MAX_SKEW_MS) return { ok: false, reason: 'stale-timestamp' }
  if (skew < -MAX_SKEW_MS) return { ok: false, reason: 'future-timestamp' }
  const expected = Buffer.from(signatureOf(input.secret, timestamp, input.rawBody), 'utf8')
  const given = Buffer.from(signature, 'utf8')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad-signature' }
  return { ok: true }
}

/** The reply to `endpoint.url_validation`: the plain token and its hex HMAC-SHA256. */
export function urlValidationReply(secret: string, plainToken: string): { plainToken: string; encryptedToken: string } {
  return { plainToken, encryptedToken: hmacHex(secret, plainToken) }
}
