/**
 * Floods on every route: each route the app serves (read from `printRoutes`, so a new route is
 * covered without an entry here) is hammered by one signed-in user from one address until it
 * answers 429 RATE_LIMITED, with Retry-After and the four headers Zoom requires, exactly after its
 * class's limit (apps/server/src/http/rate-limit.ts). The per-user limit holds across addresses,
 * the per-address limit across users, and the health probes and /metrics are never limited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLASS_FACTORS, routeClass } from '../../apps/server/src/http/rate-limit.ts'
import { newSessionId, signToken } from '../../apps/server/src/auth/session-token.ts'
import { cleanup } from '../bench/cleanup.ts'
import { createRelDb, type RelDb } from './lib/db.ts'
import { record } from './lib/mode.ts'
import { routeTable, startInProcess, type InProcess } from './lib/inproc.ts'

const USER_PER_MINUTE = 60
const IP_PER_MINUTE = 600
const ZOOM_HEADERS = ['strict-transport-security', 'x-content-type-options', 'referrer-policy', 'content-security-policy']

let db: RelDb
let srv: InProcess

beforeAll(async () => {
  db = await createRelDb()
  srv = await startInProcess(db, { RATE_LIMIT_USER_PER_MINUTE: String(USER_PER_MINUTE), RATE_LIMIT_IP_PER_MINUTE: String(IP_PER_MINUTE) })
}, 120_000)
afterAll(async () => {
  await cleanup()
}, 60_000)

/** A signed session cookie for a made-up user (the limiter reads it without the database). */
function cookie(userId: string): string {
  const now = Date.now()
  return `sb_session=${signToken(srv.secret, { k: 'session', sid: newSessionId(), sub: userId, acc: 'acc-flood', role: 'admin', name: null, cred: 'dev-signin', iat: now, exp: now + 600_000 })}`
}

/** A concrete path for a route pattern: parameters get ids nobody has, the wildcard a built file. */
function concrete(path: string): string {
  if (path === '*' || path === '/*') return '/assets/app-abc123.js'
  return path.replace(/:[A-Za-z]+/g, 'flood-none')
}

/** Requests until the first 429 (or `max`); the index of that request and its answer. */
async function hammer(method: string, url: string, headers: Record<string, string>, address: string, max: number) {
  for (let i = 0; i < max; i++) {
    const res = await srv.app.inject({ method: method as 'GET', url, headers, remoteAddress: address, ...(method === 'GET' || method === 'HEAD' || method === 'DELETE' ? {} : { payload: {} }) })
    if (res.statusCode === 429) return { first429: i, res }
  }
  return { first429: -1, res: null }
}

describe('rate limits on every route', () => {
  it('every route answers 429 RATE_LIMITED after its class limit, with Retry-After and the Zoom headers', async () => {
    const wrong: string[] = []
    const seen: Record<string, number> = {}
    let n = 0
    for (const { method, path } of routeTable(srv.app)) {
      if (method === 'HEAD' || method === 'OPTIONS') continue
      const url = concrete(path)
      const cls = routeClass(method, url)
      if (cls === null) continue
      n++
      const [userFactor, ipFactor] = CLASS_FACTORS[cls]
      const limit = userFactor > 0
        ? Math.max(1, Math.floor(USER_PER_MINUTE * userFactor))
        : Math.max(1, Math.floor(IP_PER_MINUTE * ipFactor))
      // A user and an address of its own, so no other route's counter is shared.
      const { first429, res } = await hammer(method, url, { cookie: cookie(`flood-${n}`), accept: 'application/json' }, `10.1.${Math.floor(n / 250)}.${n % 250}`, limit + 3)
      seen[`${method} ${path}`] = first429
      if (first429 !== limit) wrong.push(`${method} ${path} (${cls}): 429 after ${first429}, expected ${limit}`)
      else if (res) {
        const body = res.json() as { error?: { code?: string } }
        if (body.error?.code !== 'RATE_LIMITED') wrong.push(`${method} ${path}: code ${body.error?.code}`)
        if (!(Number(res.headers['retry-after']) > 0)) wrong.push(`${method} ${path}: no Retry-After`)
        const missing = ZOOM_HEADERS.filter((h) => res.headers[h] === undefined)
        if (missing.length > 0) wrong.push(`${method} ${path}: missing ${missing.join(', ')}`)
      }
    }
    record('rate-limits', { routes: n, first429: seen, wrong })
    expect(n).toBeGreaterThan(20)
    expect(wrong).toEqual([])
  }, 300_000)

  it('the per-user limit holds across addresses, the per-address limit across users', async () => {
    const c = cookie('flood-roaming')
    const roaming = await (async () => {
      for (let i = 0; i < USER_PER_MINUTE + 3; i++) {
        const res = await srv.app.inject({ url: '/api/engagements', headers: { cookie: c }, remoteAddress: `10.2.0.${i % 200}` })
        if (res.statusCode === 429) return i
      }
      return -1
    })()
    expect(roaming).toBe(USER_PER_MINUTE)
    const crowd = await (async () => {
      for (let i = 0; i < IP_PER_MINUTE + 3; i++) {
        const res = await srv.app.inject({ url: '/api/engagements', headers: { cookie: cookie(`flood-crowd-${i}`) }, remoteAddress: '10.3.0.1' })
        if (res.statusCode === 429) return i
      }
      return -1
    })()
    expect(crowd).toBe(IP_PER_MINUTE)
  }, 120_000)

  it('never limits the health probes and /metrics', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics']) {
      const { first429 } = await hammer('GET', url, {}, '10.4.0.1', IP_PER_MINUTE * 6)
      expect(first429, url).toBe(-1)
    }
  }, 120_000)
})
