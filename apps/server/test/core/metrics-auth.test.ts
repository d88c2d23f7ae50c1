/** `/metrics` with METRICS_TOKEN: only the bearer token opens it; without it, it stays open. */
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { migrate } from '../../src/store/migrate.ts'
import { openPgliteStore } from '../../src/store/pglite.ts'
import type { Store } from '../../src/store/port.ts'
import { coreConfig, fakeWebRoot } from './helpers.ts'

const TOKEN = 'scrape-token-0123456789'
let store: Store
let web: ReturnType<typeof fakeWebRoot>
let locked: FastifyInstance
let open: FastifyInstance

beforeAll(async () => {
  store = await openPgliteStore({ logger: { debug() {}, info() {}, warn() {}, error() {} } })
  await migrate(store)
  web = fakeWebRoot()
  locked = await buildApp({ config: coreConfig({ METRICS_TOKEN: TOKEN }), store, webRoot: web.root })
  open = await buildApp({ config: coreConfig(), store, webRoot: web.root })
})

afterAll(async () => {
  await locked?.close()
  await open?.close()
  await store?.close()
  web?.remove()
})

describe('/metrics access', () => {
  it('refuses a missing or wrong token with 401 UNAUTHENTICATED and the Zoom headers', async () => {
    for (const authorization of [undefined, 'Bearer wrong', `Bearer ${TOKEN}x`, TOKEN, `Basic ${TOKEN}`]) {
      const res = await locked.inject({ url: '/metrics', headers: authorization === undefined ? {} : { authorization } })
      expect(res.statusCode).toBe(401)
      expect(res.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } })
      expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"')
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000')
      expect(res.body).not.toContain('switchboard_')
    }
  })

  it('serves the Prometheus text to the bearer token', async () => {
    const res = await locked.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toContain('text/plain')
    expect(res.body).toContain('switchboard_')
  })

  it('is open when METRICS_TOKEN is unset', async () => {
    const res = await open.inject({ url: '/metrics' })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('switchboard_')
  })
})
