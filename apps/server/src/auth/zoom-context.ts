/**
 * The encrypted Zoom app context (`x-zoom-app-context` header, `getAppContext()`), see ZOOM.md.
 *
 * Standard base64 of `[ivLength u8][iv][aadLength u16 LE][aad][cipherLength u32 LE][cipher][tag 16]`,
 * AES-256-GCM with key = raw SHA-256 of the Client Secret; the plaintext is JSON.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'

export const ZOOM_ISSUER = 'marketplace.zoom.us'
/** Clock skew tolerated on `exp` (and on a `ts` in the future). */
export const DEFAULT_SKEW_MS = 30_000
/** Contexts are a few hundred bytes; anything far larger is not one. */
const MAX_TOKEN_CHARS = 8192
const TAG_BYTES = 16

export type CredentialKind = 'production' | 'development'

export interface ZoomCredential {
  clientId: string
  clientSecret: string
  kind: CredentialKind
}

/** The decrypted plaintext. Only the fields we verify are typed; Zoom adds others. */
export interface ZoomAppContext {
  typ?: string
  uid: string
  ts?: number
  exp: number
  iss: string
  aud: string
  // Others, e.g. `aid` (a chat "Action Command ID", not an account): never read.
  [key: string]: unknown
}

export type ZoomContextCode = 'INVALID_APP_CONTEXT' | 'APP_CONTEXT_EXPIRED'

export type VerifyZoomContextResult =
  | { ok: true; context: ZoomAppContext; cred: ZoomCredential }
  | { ok: false; code: ZoomContextCode }

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/

function keyOf(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest()
}

interface Parts {
  iv: Buffer
  aad: Buffer
  cipher: Buffer
  tag: Buffer
}

/** Splits the byte layout; null when the input is not exactly one well-formed context. */
function unpack(token: string): Parts | null {
  const text = token.trim()
  if (text.length === 0 || text.length > MAX_TOKEN_CHARS || !BASE64.test(text)) return null
  const buf = Buffer.from(text, 'base64')
  let at = 0
  if (buf.length < 1) return null
  const ivLength = buf.readUInt8(at)
  at += 1
  if (ivLength === 0 || at + ivLength + 2 > buf.length) return null
  const iv = buf.subarray(at, at + ivLength)
  at += ivLength
  const aadLength = buf.readUInt16LE(at)
  at += 2
  if (at + aadLength + 4 > buf.length) return null
  const aad = buf.subarray(at, at + aadLength)
  at += aadLength
  const cipherLength = buf.readUInt32LE(at)
  at += 4
  // The tag is whatever follows the cipher text and must be exactly 16 bytes.
  if (at + cipherLength + TAG_BYTES !== buf.length) return null
  const cipher = buf.subarray(at, at + cipherLength)
  const tag = buf.subarray(at + cipherLength)
  return { iv, aad, cipher, tag }
}

function decryptParts(parts: Parts, secret: string): unknown {
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyOf(secret), parts.iv, { authTagLength: TAG_BYTES })
    decipher.setAAD(parts.aad)
    decipher.setAuthTag(parts.tag)
    const plain = Buffer.concat([decipher.update(parts.cipher), decipher.final()])
    return JSON.parse(plain.toString('utf8')) as unknown
  } catch {
    return undefined
  }
}

/**
 * Decrypts without checking claims. Returns the parsed JSON object, or null when the input is
 * malformed, the secret is wrong, any byte was altered, or the plaintext is not a JSON object.
 */
export function decryptZoomContext(token: string, secret: string): Record<string, unknown> | null {
  const parts = unpack(token)
  if (!parts) return null
  const value = decryptParts(parts, secret)
  return isObject(value) ? value : null
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function nonEmpty(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= 256
}

function checkClaims(
  payload: Record<string, unknown>,
  cred: ZoomCredential,
  now: number,
  skewMs: number,
): { ok: true; context: ZoomAppContext } | { ok: false; code: ZoomContextCode } {
  const invalid = { ok: false, code: 'INVALID_APP_CONTEXT' } as const
  if (payload['iss'] !== ZOOM_ISSUER) return invalid
  if (payload['aud'] !== cred.clientId) return invalid
  // Guest mode omits uid: we deny, there is no user to attach a session to.
  if (!nonEmpty(payload['uid'])) return invalid
  const exp = payload['exp']
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return invalid
  const ts = payload['ts']
  if (ts !== undefined && (typeof ts !== 'number' || ts > now + skewMs)) return invalid
  if (exp + skewMs <= now) return { ok: false, code: 'APP_CONTEXT_EXPIRED' }
  return { ok: true, context: payload as ZoomAppContext }
}

export interface VerifyOptions {
  credentials: readonly ZoomCredential[]
  now?: number
  skewMs?: number
}

/**
 * Decrypts with each configured credential in turn and verifies `iss`, `aud` (that credential's
 * Client ID), a present `uid` and `exp` (epoch ms, `skewMs` tolerated). The first credential whose
 * secret decrypts the token and whose claims hold wins, so the session can remember which pair
 * (production or development) the user came through.
 */
export function verifyZoomContext(token: string, opts: VerifyOptions): VerifyZoomContextResult {
  const now = opts.now ?? Date.now()
  const skewMs = opts.skewMs ?? DEFAULT_SKEW_MS
  const parts = typeof token === 'string' ? unpack(token) : null
  if (!parts) return { ok: false, code: 'INVALID_APP_CONTEXT' }
  let failure: ZoomContextCode = 'INVALID_APP_CONTEXT'
  for (const cred of opts.credentials) {
    const payload = decryptParts(parts, cred.clientSecret)
    if (!isObject(payload)) continue
    const checked = checkClaims(payload, cred, now, skewMs)
    if (checked.ok) return { ok: true, context: checked.context, cred }
    failure = checked.code
  }
  return { ok: false, code: failure }
}

export interface EncryptOptions {
  iv?: Buffer
  aad?: Buffer
}

/**
 * Builds a context with the documented layout (tests, the dev emulator). Zoom uses a 12-byte IV
 * and an empty AAD as far as we know; both are parameters so tests cover the general layout.
 */
export function encryptZoomContext(payload: unknown, secret: string, opts: EncryptOptions = {}): string {
  const iv = opts.iv ?? randomBytes(12)
  const aad = opts.aad ?? Buffer.alloc(0)
  const cipher = createCipheriv('aes-256-gcm', keyOf(secret), iv, { authTagLength: TAG_BYTES })
  cipher.setAAD(aad)
  const body = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()])
  const tag = cipher.getAuthTag()
  const ivLen = Buffer.from([iv.length])
  const aadLen = Buffer.alloc(2)
  aadLen.writeUInt16LE(aad.length)
  const bodyLen = Buffer.alloc(4)
  bodyLen.writeUInt32LE(body.length)
  return Buffer.concat([ivLen, iv, aadLen, aad, bodyLen, body, tag]).toString('base64')
}
