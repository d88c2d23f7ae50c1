/**
 * Encryption at rest for OAuth tokens: AES-256-GCM under a key derived with HKDF-SHA256 from
 * TOKEN_ENCRYPTION_KEY (or, when unset, from SESSION_SECRET with a different label, so the two
 * uses never share key material). The row's identity is the AAD: a ciphertext copied into
 * another row does not decrypt.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto'

const VERSION = 'v1.'
const IV_BYTES = 12
const TAG_BYTES = 16

export function deriveTokenKey(tokenEncryptionKey: string | undefined, sessionSecret: string): Buffer {
  const ikm = tokenEncryptionKey ?? sessionSecret
  const info = tokenEncryptionKey ? 'switchboard oauth tokens' : 'switchboard oauth tokens (from session secret)'
  return Buffer.from(hkdfSync('sha256', ikm, 'switchboard', info, 32))
}

export function sealToken(key: Buffer, plaintext: string, aad: string): string {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
  cipher.setAAD(Buffer.from(aad, 'utf8'))
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return VERSION + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64')
}

/** Throws when the value was not sealed with this key for this AAD. */
export function openToken(key: Buffer, sealed: string, aad: string): string {
  if (!sealed.startsWith(VERSION)) throw new Error('unknown token encryption format')
  const buf = Buffer.from(sealed.slice(VERSION.length), 'base64')
  if (buf.length < IV_BYTES + TAG_BYTES) throw new Error('sealed token too short')
  const iv = buf.subarray(0, IV_BYTES)
  const tag = buf.subarray(buf.length - TAG_BYTES)
  const body = buf.subarray(IV_BYTES, buf.length - TAG_BYTES)
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
  decipher.setAAD(Buffer.from(aad, 'utf8'))
  decipher.setAuthTag(tag)
  return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8')
}

/**
 * Zoom treats account ids as personal data (never stored or logged in clear), and our tables key
 * everything by account. So a Zoom account id is stored as a stable pseudonym: `za_` + the first
 * 128 bits of its SHA-256, base64url. Dev sign-in accounts are used as given.
 */
export function zoomAccountKey(zoomAccountId: string): string {
  return 'za_' + createHash('sha256').update(`zoom-account:${zoomAccountId}`, 'utf8').digest().subarray(0, 16).toString('base64url')
}
