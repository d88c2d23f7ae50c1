import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.ts'
import { redactUrl } from '../../src/logger.ts'
import { migrate } from '../../src/store/migrate.ts'
import { openPgliteStore } from '../../src/store/pglite.ts'
import type { Store } from '../../src/store/port.ts'
import { coreConfig, fakeWebRoot, memoryLogger } from './helpers.ts'

describe('redactUrl', () => {
  it('masks token-like query values and keeps the rest', () => {
    expect(redactUrl('/ws?token=abc.def&v=2')).toBe('/ws?token=[redacted]&v=2')
    expect(redactUrl('/api/oauth/callback?code=xyz&state=s1')).toBe('/api/oauth/callback?code=[redacted]&state=[redacted]')
    expect(redactUrl('/api/engagements?limit=5')).toBe('/api/engagements?limit=5')
    expect(redactUrl('/?accountId=abc123&product=zcc')).toBe('/?accountId=[redacted]&product=zcc')
    expect(redactUrl('/plain')).toBe('/plain')
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
    app.get('/test/log-headers', async (request) => {
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
    await app.inject({ url: '/test/log-headers', headers })
    const all = lines.join('')
    expect(all).toContain('"reqId":"trace-123"')
    expect(all).toContain('token=[redacted]&limit=5')
    expect(all).toContain('headers seen')
    for (const secret of ['secret-bearer', 'secret-cookie', 'secret-zoom-context', 'secret-query']) {
      expect(all).not.toContain(secret)
    }
  })
})
