/** Signs webhook bodies the way Zoom does (the receiver's own `signatureOf`, checked against a known vector in signature.test.ts). */
import { signatureOf } from '../../src/zoom/signature.ts'

export function signedHeaders(secret: string, rawBody: string, opts: { now?: number; timestamp?: string } = {}): Record<string, string> {
  const timestamp = opts.timestamp ?? String(Math.floor((opts.now ?? Date.now()) / 1000))
  return {
    'content-type': 'application/json; charset=utf-8',
    'x-zm-request-timestamp': timestamp,
    'x-zm-signature': signatureOf(secret, timestamp, rawBody),
  }
}
