/**
 * What the doctor prints and checks for the second (Server-to-Server OAuth) app: the event
 * notification endpoint (answered by the real receiver on 127.0.0.1), the events, the scopes
 * (checked against a token from the Zoom stand-in), and the icon files it points to.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ZOOM_SUBSCRIBED_EVENTS } from '@switchboard/protocol/zoom-webhooks'
import { marketplaceValues, formatMarketplaceValues } from '../../src/doctor/marketplace.ts'
import { checkS2S, checkWebhookEndpoint } from '../../src/doctor/zoom-checks.ts'
import { authSettings } from '../../src/auth/settings.ts'
import { loadConfig } from '../../src/config.ts'
import { errorHandler } from '../../src/errors.ts'
import { ZoomMetrics } from '../../src/zoom/metrics.ts'
import { webhookRoutes } from '../../src/zoom/receiver.ts'
import { APP_ICONS, S2S_SCOPES } from '../../src/zoom/scopes.ts'
import { AccountLookup } from '../../src/zoom/tenancy.ts'
import { openHarnessStore, testConfig, type Harness } from '../auth/harness.ts'
import { ZoomStandIn } from './zoom-stand-in.ts'

const ROOT = join(import.meta.dirname, '..', '..', '..', '..')
const SECRET = 'doctor-webhook-secret-token'
let h: Harness
let app: FastifyInstance
let base: URL

beforeAll(async () => {
  h = await openHarnessStore()
  app = Fastify({ logger: false })
  app.setErrorHandler(errorHandler)
  await app.register(async (scope) => webhookRoutes(scope, {
    store: h.store, secret: SECRET, metrics: new ZoomMetrics(), accounts: new AccountLookup({ settings: authSettings(loadConfig({ SESSION_SECRET: 's'.repeat(32), ZOOM_CLIENT_ID: 'id', ZOOM_CLIENT_SECRET: 'secret' })) }), accepted: () => {},
  }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  const addr = app.server.address()
  base = new URL(`http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`)
})
afterAll(async () => {
  await app?.close()
  await h?.close()
})

/** Width and height from a PNG's IHDR chunk. */
function pngSize(path: string): [number, number] {
  const b = readFileSync(path)
  expect(b.subarray(1, 4).toString('latin1')).toBe('PNG')
  return [b.readUInt32BE(16), b.readUInt32BE(20)]
}

describe('doctor: the Server-to-Server app', () => {
  it('prints the event notification endpoint, the events and the scopes', () => {
    const v = marketplaceValues(testConfig({ PUBLIC_URL: 'https://sb.example.com/' }))
    expect(v.webhookEndpointUrl).toBe('https://sb.example.com/api/zoom/webhooks')
    expect(v.webhookEvents).toEqual(ZOOM_SUBSCRIBED_EVENTS)
    expect(v.webhookEvents).toContain('contact_center.engagement_user_answered')
    expect(v.s2sScopes).toEqual(S2S_SCOPES.map((s) => s.scope))
    const text = formatMarketplaceValues(v)
    expect(text).toContain('https://sb.example.com/api/zoom/webhooks')
    expect(text).toContain('contact_center:read:list_engagements:admin')
    expect(text).toMatch(/ZOOM_WEBHOOK_SECRET_TOKEN is not set/)
    expect(formatMarketplaceValues(marketplaceValues(testConfig({ ZOOM_WEBHOOK_SECRET_TOKEN: 's', ZOOM_S2S_ACCOUNT_ID: 'a', ZOOM_S2S_CLIENT_ID: 'b', ZOOM_S2S_CLIENT_SECRET: 'c' }))))
      .not.toMatch(/ZOOM_WEBHOOK_SECRET_TOKEN is not set|Server-to-Server OAuth app is not configured/)
  })

  it('points to icon files of the size the App Listing takes (160 x 160, light and dark)', () => {
    const v = marketplaceValues(testConfig())
    expect(formatMarketplaceValues(v)).toContain(APP_ICONS.light)
    expect(pngSize(join(ROOT, v.appIcons.light))).toEqual([160, 160])
    expect(pngSize(join(ROOT, v.appIcons.dark))).toEqual([160, 160])
    expect(readFileSync(join(ROOT, APP_ICONS.source), 'utf8')).toMatch(/^<svg [^>]*viewBox="0 0 160 160"/)
  })

  it('checks the endpoint the way Zoom validates it', async () => {
    expect(await checkWebhookEndpoint(base, SECRET, 5000)).toMatchObject({ ok: true })
    expect(await checkWebhookEndpoint(base, 'another-secret', 5000)).toMatchObject({ ok: false, fix: expect.stringMatching(/differs/) })
    expect(await checkWebhookEndpoint(base, undefined, 5000)).toMatchObject({ ok: true, detail: expect.stringMatching(/skipped/) })
    expect(await checkWebhookEndpoint(new URL('http://127.0.0.1:1'), SECRET, 2000)).toMatchObject({ ok: false })
  })

  it('checks the S2S credentials and names missing scopes', async () => {
    const s2s = { accountId: 'acc', clientId: 'cid', clientSecret: 'csecret' }
    const zoom = await new ZoomStandIn(s2s).start()
    try {
      const env = { ZOOM_OAUTH_HOST: zoom.url, ZOOM_API_HOST: zoom.url, ZOOM_S2S_ACCOUNT_ID: 'acc', ZOOM_S2S_CLIENT_ID: 'cid', ZOOM_S2S_CLIENT_SECRET: 'csecret' }
      // The stand-in grants only list_users.
      const partial = await checkS2S(testConfig(env))
      expect(partial).toMatchObject({ ok: false, detail: expect.stringContaining('contact_center:read:list_engagements:admin') })
      expect(partial.detail).not.toContain('list_users')
      expect(await checkS2S(testConfig({ ...env, ZOOM_S2S_CLIENT_SECRET: 'wrong' }))).toMatchObject({ ok: false, fix: expect.stringMatching(/App Credentials/) })
      expect(await checkS2S(testConfig())).toMatchObject({ ok: true, detail: expect.stringMatching(/skipped/) })
    } finally {
      await zoom.close()
    }
  })
})
