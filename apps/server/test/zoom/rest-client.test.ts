/**
 * The S2S token and the REST client against the Zoom stand-in (a real HTTP server): token
 * caching for its hour, the regional api_url, pagination, retries with backoff, 429 handling.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ZoomMetrics } from '../../src/zoom/metrics.ts'
import { retryAfterAt, ZoomApiError, ZoomRestClient } from '../../src/zoom/rest-client.ts'
import { S2SToken } from '../../src/zoom/s2s-token.ts'
import { ZoomStandIn } from './zoom-stand-in.ts'

const APP = { accountId: 'zoomAcc123', clientId: 's2sClient', clientSecret: 's2s-secret-value' }
let zoom: ZoomStandIn
let clock: number
const sleeps: number[] = []

function client(overrides: Partial<ConstructorParameters<typeof ZoomRestClient>[0]> = {}, token?: S2SToken): { c: ZoomRestClient; t: S2SToken; metrics: ZoomMetrics } {
  const metrics = new ZoomMetrics()
  const t = token ?? new S2SToken({ credentials: APP, oauthHost: zoom.url, apiHost: zoom.url, now: () => clock, onFetch: () => metrics.tokenFetches++ })
  const c = new ZoomRestClient({
    token: t, metrics, now: () => clock, random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms)
      clock += ms
    },
    ...overrides,
  })
  return { c, t, metrics }
}

beforeEach(async () => {
  zoom = await new ZoomStandIn(APP).start()
  clock = Date.now()
  sleeps.length = 0
  zoom.setList('/contact_center/users', 'users', Array.from({ length: 7 }, (_, i) => ({ user_id: `u${i}`, display_name: `User ${i}` })))
})
afterEach(async () => {
  await zoom.close()
})

describe('S2S token', () => {
  it('is fetched with Basic auth and account_credentials, then cached for its hour', async () => {
    const { c, metrics } = client()
    await c.get('/contact_center/users')
    await c.get('/contact_center/users')
    expect(zoom.tokensIssued).toBe(1)
    expect(metrics.tokenFetches).toBe(1)
    const tokenRequest = zoom.seen.find((s) => s.path === '/oauth/token')!
    expect(tokenRequest.query).toEqual({ grant_type: 'account_credentials', account_id: APP.accountId })
    expect(tokenRequest.auth).toBe('Basic ' + Buffer.from(`${APP.clientId}:${APP.clientSecret}`).toString('base64'))
    clock += 56 * 60_000
    await c.get('/contact_center/users')
    expect(zoom.tokensIssued).toBe(2)
  })

  it('concurrent callers share one token request', async () => {
    const { t } = client()
    const tokens = await Promise.all([t.get(), t.get(), t.get()])
    expect(new Set(tokens.map((x) => x.accessToken)).size).toBe(1)
    expect(zoom.tokensIssued).toBe(1)
  })

  it('refuses wrong credentials with the status only (no secret or body in the error)', async () => {
    const t = new S2SToken({ credentials: { ...APP, clientSecret: 'wrong' }, oauthHost: zoom.url, apiHost: zoom.url })
    const err = await t.get().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Error)
    expect(String(err)).toContain('401')
    expect(String(err)).not.toContain('wrong')
  })

  it('calls the regional api_url the token response names', async () => {
    const regional = await new ZoomStandIn(APP).start()
    try {
      regional.trust(zoom)
      regional.setList('/contact_center/users', 'users', [{ user_id: 'regional-user' }])
      zoom.apiUrl = regional.url
      const { c } = client()
      const body = await c.get('/contact_center/users')
      expect(body['users']).toEqual([{ user_id: 'regional-user' }])
      expect(zoom.requests('/contact_center/users')).toHaveLength(0)
      expect(regional.requests('/contact_center/users')).toHaveLength(1)
    } finally {
      await regional.close()
    }
  })

  it('a 401 drops the token and fetches a new one once', async () => {
    const { c } = client()
    await c.get('/contact_center/users')
    zoom.revokeTokens()
    await c.get('/contact_center/users')
    expect(zoom.tokensIssued).toBe(2)
  })
})

describe('REST client', () => {
  it('walks every page with page_size and next_page_token', async () => {
    const { c } = client()
    const pages: string[][] = []
    for await (const page of c.pages<{ user_id: string }>('/contact_center/users', 'users', {}, 3)) pages.push(page.map((u) => u.user_id))
    expect(pages).toEqual([['u0', 'u1', 'u2'], ['u3', 'u4', 'u5'], ['u6']])
    expect(zoom.requests('/contact_center/users').map((s) => s.query['page_size'])).toEqual(['3', '3', '3'])
  })

  it('retries 5xx and dropped connections with growing backoff, then succeeds', async () => {
    zoom.fail('/contact_center/users', { status: 503 }, { drop: true }, { status: 500 })
    const { c, metrics } = client({ backoff: { baseMs: 100, maxMs: 10_000 } })
    const body = await c.get('/contact_center/users')
    expect((body['users'] as unknown[]).length).toBeGreaterThan(0)
    // full jitter at random() = 0.5: half of 100, 200, 400
    expect(sleeps).toEqual([50, 100, 200])
    expect(metrics.rest.retried).toBe(3)
    expect(metrics.rest.ok).toBe(1)
  })

  it('gives up after its attempts with the status (no body)', async () => {
    zoom.fail('/contact_center/users', { status: 500 }, { status: 500 }, { status: 500 })
    const { c, metrics } = client({ attempts: 3 })
    const err = await c.get('/contact_center/users').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ZoomApiError)
    expect((err as ZoomApiError).status).toBe(500)
    expect(metrics.rest.failed).toBe(1)
  })

  it('waits as long as a 429 Retry-After says (seconds or a date), else backs off', async () => {
    zoom.fail('/contact_center/users', { status: 429, retryAfter: '2' }, { status: 429, retryAfter: new Date(clock + 2000 + 7000).toUTCString() }, { status: 429 })
    const { c, metrics } = client({ backoff: { baseMs: 100, maxMs: 10_000 } })
    await c.get('/contact_center/users')
    expect(sleeps[0]).toBe(2000)
    expect(sleeps[1]).toBeGreaterThan(6000)
    expect(sleeps[1]).toBeLessThanOrEqual(7000)
    expect(sleeps[2]).toBe(200)
    expect(metrics.rest.rate_limited).toBe(3)
  })

  it('a spent daily quota (Retry-After far ahead) fails at once with the time to come back', async () => {
    const reset = new Date(clock + 6 * 3600_000).toISOString()
    zoom.fail('/contact_center/users', { status: 429, retryAfter: reset })
    const { c } = client()
    const err = await c.get('/contact_center/users').catch((e: unknown) => e) as ZoomApiError
    expect(err.status).toBe(429)
    expect(err.retryAt).toBe(Date.parse(reset))
    expect(sleeps).toEqual([])
  })

  it('does not retry a 4xx other than 401 and 429', async () => {
    const { c } = client()
    const err = await c.get('/contact_center/nothing-here').catch((e: unknown) => e) as ZoomApiError
    expect(err.status).toBe(404)
    expect(zoom.requests('/contact_center/nothing-here')).toHaveLength(1)
  })

  it('reads Retry-After as seconds, HTTP date or ISO time', () => {
    expect(retryAfterAt('3', 1000)).toBe(4000)
    expect(retryAfterAt('Wed, 21 Oct 2015 07:28:00 GMT', 0)).toBe(Date.parse('2015-10-21T07:28:00Z'))
    expect(retryAfterAt('2020-05-31T00:00:00Z', 0)).toBe(Date.parse('2020-05-31T00:00:00Z'))
    expect(retryAfterAt(null, 0)).toBeUndefined()
    expect(retryAfterAt('soon', 0)).toBeUndefined()
  })
})
