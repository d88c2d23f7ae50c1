/**
 * The webhook receiver on real Postgres: every refusal Zoom or an attacker can cause, URL
 * validation, tenancy, and that a retried delivery writes nothing. (The path from an accepted
 * delivery to the board is in webhooks-board.pg.test.ts.)
 */
import { randomBytes } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { zoomEngagementEvent, zoomUserEvent, ZOOM_WEBHOOK_PATH } from '@switchboard/protocol/zoom-webhooks'
import { authSettings, type AuthSettings } from '../../src/auth/settings.ts'
import { bindZoomUser } from '../../src/auth/tenancy.ts'
import { zoomAccountKey } from '../../src/auth/token-crypto.ts'
import { loadConfig } from '../../src/config.ts'
import { errorHandler } from '../../src/errors.ts'
import { openStore } from '../../src/store/index.ts'
import type { Store } from '../../src/store/port.ts'
import type { Delivery } from '../../src/zoom/deliveries.ts'
import { ZoomMetrics } from '../../src/zoom/metrics.ts'
import { MAX_BODY_BYTES, webhookRoutes } from '../../src/zoom/receiver.ts'
import { AccountLookup, s2sAccountRow } from '../../src/zoom/tenancy.ts'
import { openHarnessStore, type Harness } from '../auth/harness.ts'
import { silentLogger } from '../store/test-db.ts'
import { signedHeaders } from './signing.ts'

const SECRET = 'zoom-webhook-secret-token-0123'
const ZOOM_ACCOUNT = 'D8cJuqWVQ623CI4Q8yQK0Q'
const ACC = zoomAccountKey(ZOOM_ACCOUNT)

let h: Harness
let app: FastifyInstance
let metrics: ZoomMetrics
const accepted: Delivery[] = []

/** Multi tenant with Zoom credentials, or dev sign-in (no credentials), or single tenant. */
const SESSION_SECRET = 's'.repeat(32)
const MULTI = authSettings(loadConfig({ SESSION_SECRET, ZOOM_CLIENT_ID: 'id', ZOOM_CLIENT_SECRET: 'secret' }))
const DEV = authSettings(loadConfig({ SESSION_SECRET }))
const single = (zoomAccountId: string) =>
  authSettings(loadConfig({ SESSION_SECRET, ZOOM_CLIENT_ID: 'id', ZOOM_CLIENT_SECRET: 'secret', ZOOM_ACCOUNT_ID: zoomAccountId }))

async function build(store: Store, secret: string | undefined, m: ZoomMetrics, settings: AuthSettings = MULTI, s2sZoomAccountId?: string): Promise<FastifyInstance> {
  const a = Fastify({ logger: false })
  a.setErrorHandler(errorHandler)
  await a.register(async (scope) => webhookRoutes(scope, {
    store, secret, metrics: m, accounts: new AccountLookup({ settings, s2sZoomAccountId }), accepted: (d) => accepted.push(d),
  }))
  await a.ready()
  return a
}

function post(body: string, headers: Record<string, string>, target = app) {
  return target.inject({ method: 'POST', url: ZOOM_WEBHOOK_PATH, payload: body, headers })
}

function signed(body: unknown, opts: { now?: number; secret?: string } = {}) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body)
  return post(raw, signedHeaders(opts.secret ?? SECRET, raw, opts))
}

const answered = (engagementId = 'eng-1', accountId = ZOOM_ACCOUNT, at = Date.now()) =>
  zoomEngagementEvent('engagement_user_answered', accountId, { engagementId, userId: 'u-ann', userName: 'Ann', queueName: 'Billing', at })

async function deliveries(): Promise<number> {
  const r = await h.store.query<{ n: string }>('select count(*) as n from zoom_webhook_deliveries')
  return Number(r.rows[0]!.n)
}

beforeAll(async () => {
  h = await openHarnessStore()
  // The account is served because one of its users connected through in-client OAuth.
  const bound = await bindZoomUser(h.store, MULTI, 'z-owner', ZOOM_ACCOUNT, 'oauth')
  if (bound !== ACC) throw new Error(`bound to ${bound}, expected ${ACC}`)
  await h.store.query('insert into accounts (id) values ($1)', ['acct-dev'])
  metrics = new ZoomMetrics()
  app = await build(h.store, SECRET, metrics)
})
afterAll(async () => {
  await app?.close()
  await h?.close()
})

describe('POST /api/zoom/webhooks: refusals', () => {
  it('answers 404 WEBHOOKS_DISABLED without a secret token, and stores nothing', async () => {
    const off = await build(h.store, undefined, new ZoomMetrics())
    const raw = JSON.stringify(answered())
    const res = await post(raw, signedHeaders(SECRET, raw), off)
    expect(res.statusCode).toBe(404)
    expect(res.json().error.code).toBe('WEBHOOKS_DISABLED')
    await off.close()
  })

  it.each([
    ['no signature headers', (_raw: string) => ({ 'content-type': 'application/json' }), 'WEBHOOK_SIGNATURE_INVALID'],
    ['no timestamp', (raw: string) => { const { 'x-zm-request-timestamp': _t, ...rest } = signedHeaders(SECRET, raw); return rest }, 'WEBHOOK_SIGNATURE_INVALID'],
    ['a signature made with another secret', (raw: string) => signedHeaders('not-the-secret', raw), 'WEBHOOK_SIGNATURE_INVALID'],
    ['a stale timestamp (6 minutes old)', (raw: string) => signedHeaders(SECRET, raw, { now: Date.now() - 6 * 60_000 }), 'WEBHOOK_TIMESTAMP_INVALID'],
    ['a future timestamp (6 minutes ahead)', (raw: string) => signedHeaders(SECRET, raw, { now: Date.now() + 6 * 60_000 }), 'WEBHOOK_TIMESTAMP_INVALID'],
    ['a timestamp that is not Unix seconds', (raw: string) => signedHeaders(SECRET, raw, { timestamp: 'yesterday' }), 'WEBHOOK_TIMESTAMP_INVALID'],
  ])('answers 401 to %s and stores nothing', async (_name, headersOf, code) => {
    const before = await deliveries()
    const raw = JSON.stringify(answered(`eng-${randomBytes(3).toString('hex')}`))
    const res = await post(raw, headersOf(raw) as Record<string, string>)
    expect(res.statusCode).toBe(401)
    expect(res.json().error.code).toBe(code)
    expect(await deliveries()).toBe(before)
  })

  it('answers 401 to a tampered body (signed, then one field changed)', async () => {
    const raw = JSON.stringify(answered('eng-tamper'))
    const headers = signedHeaders(SECRET, raw)
    const res = await post(raw.replace('u-ann', 'u-eve'), headers)
    expect(res.statusCode).toBe(401)
    expect(res.json().error.code).toBe('WEBHOOK_SIGNATURE_INVALID')
    expect(accepted.some((d) => d.engagementId === 'eng-tamper')).toBe(false)
  })

  it('answers 400 BAD_JSON to a signed body that is not JSON', async () => {
    const res = await signed('{"event": "contact_center.engagement_ended", ')
    expect(res.statusCode).toBe(400)
    expect(res.json().error.code).toBe('BAD_JSON')
  })

  it('answers 413 to a body over the limit, before reading it as JSON', async () => {
    const big = JSON.stringify({ ...answered(), padding: 'x'.repeat(MAX_BODY_BYTES) })
    const before = metrics.received.too_large
    const res = await signed(big)
    expect(res.statusCode).toBe(413)
    expect(res.json().error.code).toBe('PAYLOAD_TOO_LARGE')
    expect(metrics.received.too_large).toBe(before + 1)
  })

  it('answers 400 VALIDATION_FAILED to an envelope without an account or an engagement id', async () => {
    const noAccount = await signed({ event: 'contact_center.engagement_ended', event_ts: Date.now(), payload: { object: { engagement_id: 'e' } } })
    expect(noAccount.statusCode).toBe(400)
    expect(noAccount.json().error.code).toBe('VALIDATION_FAILED')
    const noEngagement = await signed({ event: 'contact_center.engagement_ended', event_ts: Date.now(), payload: { account_id: ZOOM_ACCOUNT, object: {} } })
    expect(noEngagement.statusCode).toBe(400)
    const noAgent = await signed({ event: 'contact_center.engagement_user_hold', event_ts: Date.now(), payload: { account_id: ZOOM_ACCOUNT, object: { engagement_id: 'e' } } })
    expect(noAgent.statusCode).toBe(400)
  })
})

describe('POST /api/zoom/webhooks: URL validation', () => {
  it('answers with the plain token and its HMAC, signed requests only', async () => {
    const body = { event: 'endpoint.url_validation', event_ts: Date.now(), payload: { plainToken: 'qgg8vlvZRS6UYooatFL8Aw' } }
    const res = await signed(body)
    expect(res.statusCode).toBe(200)
    const { createHmac } = await import('node:crypto')
    expect(res.json()).toEqual({ plainToken: 'qgg8vlvZRS6UYooatFL8Aw', encryptedToken: createHmac('sha256', SECRET).update('qgg8vlvZRS6UYooatFL8Aw').digest('hex') })
    const unsigned = await post(JSON.stringify(body), { 'content-type': 'application/json' })
    expect(unsigned.statusCode).toBe(401)
  })
})

describe('POST /api/zoom/webhooks: accepted, ignored, repeated', () => {
  it('persists an accepted delivery before answering 200, then hands it on', async () => {
    const res = await signed(answered('eng-ok'))
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ outcome: 'accepted' })
    const row = await h.store.query<{ account_id: string; event: string; user_id: string }>(
      `select account_id, event, user_id from zoom_webhook_deliveries where engagement_id = 'eng-ok'`)
    expect(row.rows).toEqual([{ account_id: ACC, event: 'contact_center.engagement_user_answered', user_id: 'u-ann' }])
    await expect.poll(() => accepted.filter((d) => d.engagementId === 'eng-ok').length).toBe(1)
  })

  it('a retried delivery (same event, event_ts and engagement; new timestamp and signature) is a 200 no-op', async () => {
    const body = answered('eng-retry', ZOOM_ACCOUNT, Date.now() - 5 * 60_000)
    expect((await signed(body)).json()).toEqual({ outcome: 'accepted' })
    const before = await deliveries()
    const again = await signed(body, { now: Date.now() + 1000 })
    expect(again.statusCode).toBe(200)
    expect(again.json()).toEqual({ outcome: 'duplicate' })
    expect(await deliveries()).toBe(before)
    await new Promise((r) => setTimeout(r, 20))
    expect(accepted.filter((d) => d.engagementId === 'eng-retry')).toHaveLength(1)
  })

  it('accepts, counts and ignores an event it does not use: nothing stored', async () => {
    const before = await deliveries()
    const counted = metrics.received.unknown_event
    const res = await signed({ event: 'contact_center.engagement_note_added', event_ts: Date.now(), payload: { account_id: ZOOM_ACCOUNT, object: { engagement_id: 'e' } } })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ outcome: 'unknown-event' })
    expect(metrics.received.unknown_event).toBe(counted + 1)
    expect(await deliveries()).toBe(before)
  })

  it('an account this deployment does not serve: 200, counted, nothing stored and no account created', async () => {
    const before = await deliveries()
    const counted = metrics.received.unknown_account
    const res = await signed(zoomUserEvent('user_login', 'SomeOtherZoomAccount', { userId: 'u-x', at: Date.now() }))
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ outcome: 'unknown-account' })
    expect(metrics.received.unknown_account).toBe(counted + 1)
    expect(await deliveries()).toBe(before)
    const accounts = await h.store.query(`select id from accounts where id = $1 or id = 'SomeOtherZoomAccount'`, [zoomAccountKey('SomeOtherZoomAccount')])
    expect(accounts.rows).toEqual([])
  })

  it('takes a dev sign-in account by its id only when dev sign-in is on', async () => {
    const body = answered('eng-dev', 'acct-dev')
    expect((await signed(body)).json()).toEqual({ outcome: 'unknown-account' })
    const dev = await build(h.store, SECRET, new ZoomMetrics(), DEV)
    const raw = JSON.stringify(body)
    expect((await post(raw, signedHeaders(SECRET, raw), dev)).json()).toEqual({ outcome: 'accepted' })
    await dev.close()
  })

  it('does not serve an account row no user connected through OAuth (such as one the unsigned Home URL hint once made)', async () => {
    await h.store.query('insert into accounts (id) values ($1)', [zoomAccountKey('HintMadeAccount')])
    const before = await deliveries()
    expect((await signed(answered('eng-hint', 'HintMadeAccount'))).json()).toEqual({ outcome: 'unknown-account' })
    expect(await deliveries()).toBe(before)
  })

  it('single tenant: serves ZOOM_ACCOUNT_ID only; the S2S app\'s account is served without a connected user', async () => {
    // The zoom plugin creates the operator-named accounts' rows at start.
    const settings = single('TheOnlyAccount')
    if (settings.tenancy.mode !== 'single') throw new Error('single tenant expected')
    await h.store.query('insert into accounts (id) values ($1), ($2)', [settings.tenancy.accountId, s2sAccountRow(MULTI, 'S2SAccount')])
    const one = await build(h.store, SECRET, new ZoomMetrics(), settings)
    const send = async (target: FastifyInstance, account: string, id: string) => {
      const raw = JSON.stringify(answered(id, account))
      return (await post(raw, signedHeaders(SECRET, raw), target)).json()
    }
    expect(await send(one, 'TheOnlyAccount', 'eng-single')).toEqual({ outcome: 'accepted' })
    expect(await send(one, ZOOM_ACCOUNT, 'eng-single-other')).toEqual({ outcome: 'unknown-account' })
    await one.close()
    const s2s = await build(h.store, SECRET, new ZoomMetrics(), MULTI, 'S2SAccount')
    expect(await send(s2s, 'S2SAccount', 'eng-s2s')).toEqual({ outcome: 'accepted' })
    expect(await send(s2s, 'HintMadeAccount', 'eng-s2s-hint')).toEqual({ outcome: 'unknown-account' })
    await s2s.close()
  })

  it('answers 503 when the delivery cannot be stored, so Zoom retries', async () => {
    const down = await openStore({ databaseUrl: 'postgres://postgres@127.0.0.1:1/none', dataDir: '/nonexistent', logger: silentLogger })
    const m = new ZoomMetrics()
    const a = await build(down, SECRET, m)
    const raw = JSON.stringify(answered('eng-down'))
    const res = await post(raw, signedHeaders(SECRET, raw), a)
    expect(res.statusCode).toBe(503)
    expect(res.json().error.code).toBe('UNAVAILABLE')
    expect(m.received.unavailable).toBe(1)
    await a.close()
    await down.close()
  })
})
