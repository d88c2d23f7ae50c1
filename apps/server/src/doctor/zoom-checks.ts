/**
 * The doctor's checks of the second (Server-to-Server OAuth) app: the event notification
 * endpoint answers Zoom's URL validation with this Secret Token (what Zoom's Validate button
 * does), and the S2S credentials get a token carrying the scopes the backfill needs.
 */
import { randomBytes } from 'node:crypto'
import { ZOOM_WEBHOOK_PATH } from '@switchboard/protocol/zoom-webhooks'
import type { Config } from '../config.ts'
import { S2S_SCOPES } from '../zoom/scopes.ts'
import { S2SToken } from '../zoom/s2s-token.ts'
import { signatureOf, urlValidationReply } from '../zoom/signature.ts'
import type { CheckResult } from './checks.ts'

export async function checkWebhookEndpoint(base: URL, secret: string | undefined, timeoutMs: number): Promise<CheckResult> {
  const name = 'Event notification endpoint'
  if (secret === undefined) return { name, ok: true, detail: 'skipped: ZOOM_WEBHOOK_SECRET_TOKEN is not set in this environment' }
  const plainToken = randomBytes(16).toString('base64url')
  const body = JSON.stringify({ event: 'endpoint.url_validation', event_ts: Date.now(), payload: { plainToken } })
  const timestamp = String(Math.floor(Date.now() / 1000))
  let res: Response
  try {
    res = await fetch(new URL(ZOOM_WEBHOOK_PATH, base), {
      method: 'POST', body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs),
      headers: { 'content-type': 'application/json', 'x-zm-request-timestamp': timestamp, 'x-zm-signature': signatureOf(secret, timestamp, body) },
    })
  } catch (err) {
    return { name, ok: false, detail: err instanceof Error ? err.message : String(err), fix: `Make ${ZOOM_WEBHOOK_PATH} reachable over the same host and TLS as the Home URL.` }
  }
  const answer = (await res.json().catch(() => null)) as { encryptedToken?: string; error?: { code?: string } } | null
  if (res.status === 200 && answer?.encryptedToken === urlValidationReply(secret, plainToken).encryptedToken) {
    return { name, ok: true, detail: 'answers URL validation with this Secret Token' }
  }
  const code = answer?.error?.code
  const fix = code === 'WEBHOOKS_DISABLED'
    ? 'Set ZOOM_WEBHOOK_SECRET_TOKEN on the server (the Secret Token from the app\'s Feature page) and restart it.'
    : code === 'WEBHOOK_SIGNATURE_INVALID'
      ? 'The server\'s ZOOM_WEBHOOK_SECRET_TOKEN differs from the one in this environment: use the Secret Token from the app\'s Feature page in both.'
      : code === 'WEBHOOK_TIMESTAMP_INVALID'
        ? 'The server\'s clock is more than 5 minutes off: sync it (NTP); Zoom\'s requests would be refused too.'
        : `POST ${ZOOM_WEBHOOK_PATH} must reach the server (a proxy may block POST or this path).`
  return { name, ok: false, detail: `URL validation answered HTTP ${res.status}${code ? ` ${code}` : ''}`, fix }
}

export async function checkS2S(config: Pick<Config, 'zoom'>): Promise<CheckResult> {
  const name = 'Server-to-Server OAuth app'
  const s2s = config.zoom.s2s
  if (!s2s) return { name, ok: true, detail: 'skipped: ZOOM_S2S_* are not set (no REST backfill)' }
  try {
    const t = await new S2SToken({ credentials: s2s, oauthHost: config.zoom.oauthHost, apiHost: config.zoom.apiHost }).get()
    const missing = S2S_SCOPES.filter((s) => !t.scopes.includes(s.scope))
    if (missing.length > 0) {
      return {
        name, ok: false, detail: `token granted, but without ${missing.map((m) => m.scope).join(', ')}`,
        fix: `Add these scopes on the app's Scopes page (${missing.map((m) => m.for).join('; ')}), then activate it again.`,
      }
    }
    return { name, ok: true, detail: `token granted with every scope the backfill needs (API host ${t.apiBase})` }
  } catch (err) {
    return {
      name, ok: false, detail: err instanceof Error ? err.message : String(err),
      fix: 'Check ZOOM_S2S_ACCOUNT_ID, ZOOM_S2S_CLIENT_ID and ZOOM_S2S_CLIENT_SECRET against the app\'s App Credentials, and that the app is activated.',
    }
  }
}
