/**
 * Signed, readable tokens: `base64url(JSON payload) + "." + base64url(HMAC-SHA256(secret, label +
 * first part))`. The label keeps one kind of token from being accepted as another.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

function mac(secret: string, data: string): Buffer {
  return createHmac('sha256', secret).update(data).digest()
}

export function signPayload(secret: string, payload: unknown, label = ''): string {
  const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url')
  return `${body}.${mac(secret, label + body).toString('base64url')}`
}

/** The payload when the signature holds; undefined for anything malformed, altered or too long. */
export function openPayload(secret: string, token: string, label = '', maxLength = 4096): unknown {
  const dot = token.indexOf('.')
  if (dot <= 0 || token.length > maxLength) return undefined
  const body = token.slice(0, dot)
  const sig = Buffer.from(token.slice(dot + 1), 'base64url')
  const expected = mac(secret, label + body)
  if (sig.length !== expected.length || !timingSafeEqual(sig, expected)) return undefined
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown
  } catch {
    return undefined
  }
}

/** A keyed HMAC as base64url (PKCE verifiers and other derived values). */
export function hmacB64(secret: string, data: string): string {
  return mac(secret, data).toString('base64url')
}
