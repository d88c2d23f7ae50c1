import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.ts'
import { redactUrl } from '../../src/logger.ts'
import { migrate } from '../../src/store/migrate.ts'
import { openPgliteStore } from '../../src/store/pglite.ts'
import type { Store } from '../../src/store/port.ts'
import { coreConfig, fakeWebRoot, memoryLogger } from './helpers.ts'

describe('redactUrl', () => {
  it.each<[string, string | undefined, string]>([
    ['/ws?token=abc.def&v=2', undefined, '/ws?token=[redacted]&v=[redacted]'],
    ['/api/oauth/callback?code=xyz&state=s1', undefined, '/api/oauth/callback?code=[redacted]&state=[redacted]'],
    ['/api/engagements?q=refund%20for%20Ada&limit=5', undefined, '/api/engagements?q=[redacted]&limit=[redacted]'],
    ['/?accountId=abc123&product=zcc', undefined, '/?accountId=[redacted]&product=[redacted]'],
    ['/plain', undefined, '/plain'],
    ['/api/admin/users/u-42/role', '/api/admin/users/:userId/role', '/api/admin/users/:userId/role'],
    ['/api/engagements/eng-9?x=1', '/api/engagements/:engagementId', '/api/engagements/:engagementId?x=[redacted]'],
    ['/assets/app.js', '/*', '/assets/app.js'],
  ])('masks every query value, and path ids behind the route pattern: %s (route %s)', (url, route, logged) => {
    expect(redactUrl(url, route)).toBe(logged)
  })
})

describe('request logs', () => {
  let store: Store
  let app: FastifyInstance
  const web = fakeWebRoot()
  const config = coreConfig()
  const { logger, lines } = memoryLogger(config)

  beforeAll(async () => {
    store = await openPgliteStore({ logger: { debug() {}, info() {}, warn() {}, error() {} } })
    await migrate(store)
    app = await buildApp({ config, store, logger, webRoot: web.root })
    app.get('/api/test/log-headers', async (request) => {
      request.log.info({ headers: request.headers }, 'headers seen')
      return { ok: true }
    })
  })
  afterAll(async () => {
    await app?.close()
    await store?.close()
    web.remove()
  })

  it('carry the request id and never the credentials', async () => {
    const headers = {
      'x-request-id': 'trace-123',
      authorization: 'Bearer secret-bearer',
      cookie: 'sb_session=secret-cookie',
      'x-zoom-app-context': 'secret-zoom-context',
    }
    await app.inject({ url: '/api/nope?token=secret-query&limit=5', headers })
    await app.inject({ url: '/api/test/log-headers', headers })
    const all = lines.join('')
    expect(all).toContain('"reqId":"trace-123"')
    expect(all).toContain('token=[redacted]&limit=[redacted]')
    expect(all).toContain('headers seen')
    for (const secret of ['secret-bearer', 'secret-cookie', 'secret-zoom-context', 'secret-query']) {
      expect(all).not.toContain(secret)
    }
  })
})
