/**
 * Rate limits on every HTTP route, per signed-in user and per client address, before any route
 * work (an over-limit request costs one HMAC and two map lookups). Each request belongs to a
 * class whose limits are fractions of RATE_LIMIT_USER_PER_MINUTE / RATE_LIMIT_IP_PER_MINUTE:
 *
 * | class    | routes                                                  | per user | per address |
 * | -------- | ------------------------------------------------------- | -------- | ----------- |
 * | api      | every other `/api/…`                                    | 1        | 1           |
 * | export   | the CSV export                                          | 1/30     | 1/30        |
 * | session  | `/api/session`, `/api/client-config`, `/api/dev/status` | 1/6      | 1/6         |
 * | oauth    | `/api/oauth/…`, `/api/dev/zoom/…`, `/dev/zoom/…`        | 1/30     | 1/100       |
 * | signin   | `/api/dev/sign-in` (dev load runs sign in thousands)    | –        | 1           |
 * | page     | the app's pages (the Zoom Home URL)                     | 1/5      | 1/5         |
 * | webhook  | `POST /api/zoom/webhooks` (Zoom's delivery addresses)   | –        | 5           |
 * | socket   | `/ws` upgrades                                          | 1/5      | 5           |
 * | static   | built files                                             | –        | 5           |
 *
 * Health probes and `/metrics` are not limited (monitoring must always get an answer).
 * The user is read from the signed session cookie (or, on `/ws`, the `?token=`), checked by its
 * HMAC only; the database is not touched. Counters are fixed one-minute windows per node,
 * bounded in memory (the oldest keys go first). Refusals answer 429 RATE_LIMITED with
 * `Retry-After` (seconds) and the four headers Zoom requires; every limited response carries
 * `X-RateLimit-Limit`, `-Remaining` and `-Reset` of the tighter of its two counters.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { SESSION_COOKIE, verifyToken } from '../auth/session-token.ts'
import { ZOOM_WEBHOOK_PATH } from '@switchboard/protocol/zoom-webhooks'
import { sendError } from '../errors.ts'

export type RouteClass = 'api' | 'export' | 'session' | 'oauth' | 'signin' | 'page' | 'webhook' | 'socket' | 'static'

/** [per-user factor, per-address factor] of the base limits; 0: not counted. */
export const CLASS_FACTORS: Record<RouteClass, readonly [number, number]> = {
  api: [1, 1],
  export: [1 / 30, 1 / 30],
  session: [1 / 6, 1 / 6],
  oauth: [1 / 30, 1 / 100],
  signin: [0, 1],
  page: [1 / 5, 1 / 5],
  webhook: [0, 5],
  socket: [1 / 5, 5],
  static: [0, 5],
}

const UNLIMITED = new Set(['/healthz', '/readyz', '/metrics'])
const MAX_KEYS = 100_000

function pathOf(url: string): string {
  const q = url.indexOf('?')
  return q < 0 ? url : url.slice(0, q)
}

/** The class of a request, or null when it is not limited. */
export function routeClass(method: string, url: string): RouteClass | null {
  const path = pathOf(url)
  if (UNLIMITED.has(path)) return null
  if (path === '/ws') return 'socket'
  if (path.startsWith('/api/engagements') && path.endsWith('.csv')) return 'export'
  if (path === '/api/session' || path === '/api/client-config' || path === '/api/dev/status') return 'session'
  if (path.startsWith('/api/oauth/') || path.startsWith('/api/dev/zoom/') || path.startsWith('/dev/zoom/')) return 'oauth'
  if (path === '/api/dev/sign-in') return 'signin'
  if (path === ZOOM_WEBHOOK_PATH) return 'webhook'
  if (path === '/api' || path.startsWith('/api/')) return 'api'
  if (method === 'GET' || method === 'HEAD') return /\.[A-Za-z0-9]+$/.test(path) && !path.endsWith('.html') ? 'static' : 'page'
  return 'api'
}

interface Window { count: number; resetAt: number }

/** Fixed-window counters; the oldest keys are dropped past `max` keys. */
export class WindowCounters {
  readonly #m = new Map<string, Window>()
  readonly #windowMs: number
  readonly #max: number

  constructor(windowMs: number, max = MAX_KEYS) {
    this.#windowMs = windowMs
    this.#max = max
  }

  hit(key: string, now: number): Window {
    let w = this.#m.get(key)
    if (!w || w.resetAt <= now) {
      if (w) this.#m.delete(key)
      w = { count: 0, resetAt: now + this.#windowMs }
      this.#m.set(key, w)
      if (this.#m.size > this.#max) {
        // Insertion order: the first keys are the oldest windows.
        for (const k of this.#m.keys()) {
          this.#m.delete(k)
          if (this.#m.size <= this.#max * 0.9) break
        }
      }
    }
    w.count++
    return w
  }

  get size(): number {
    return this.#m.size
  }
}

export interface RateLimitOptions {
  userPerMinute: number
  ipPerMinute: number
  /** Reads the user from the signed cookie / WS token without the database. */
  sessionSecret: string
  now?: () => number
  windowMs?: number
}

/** The token a request carries: on `/ws` a `?token=` WS token first, else the session cookie. */
function tokenOf(request: FastifyRequest, cls: RouteClass): [string, 'ws' | 'session'] | undefined {
  if (cls === 'socket') {
    const q = request.query as Record<string, unknown> | undefined
    if (typeof q?.['token'] === 'string') return [q['token'], 'ws']
  }
  const cookie = request.headers.cookie
  if (!cookie) return undefined
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=')
    if (eq <= 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue
    try {
      return [decodeURIComponent(part.slice(eq + 1).trim()), 'session']
    } catch {
      return undefined // malformed: counted by address only
    }
  }
  return undefined
}

async function rateLimit(app: FastifyInstance, opts: RateLimitOptions): Promise<void> {
  const now = opts.now ?? Date.now
  const windowMs = opts.windowMs ?? 60_000
  const counters = new WindowCounters(windowMs)

  /** The signed-in user a request names, by its (unverified-in-the-database) token. */
  function userOf(request: FastifyRequest, cls: RouteClass, t: number): string | null {
    const found = tokenOf(request, cls)
    if (!found) return null
    const v = verifyToken(opts.sessionSecret, found[0], found[1], t)
    return v.ok ? `${v.claims.acc ?? ''}\u0000${v.claims.sub}` : null
  }

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const cls = routeClass(request.method, request.url)
    if (cls === null) return
    const t = now()
    const [userFactor, ipFactor] = CLASS_FACTORS[cls]
    const checks: Array<{ limit: number; w: Window }> = []
    if (ipFactor > 0) {
      checks.push({ limit: Math.max(1, Math.floor(opts.ipPerMinute * ipFactor)), w: counters.hit(`${cls}|ip|${request.ip}`, t) })
    }
    if (userFactor > 0) {
      const user = userOf(request, cls, t)
      if (user !== null) checks.push({ limit: Math.max(1, Math.floor(opts.userPerMinute * userFactor)), w: counters.hit(`${cls}|u|${user}`, t) })
    }
    if (checks.length === 0) return
    // Report the counter closest to its limit.
    const tight = checks.reduce((a, b) => (b.limit - b.w.count < a.limit - a.w.count ? b : a))
    const resetS = Math.max(1, Math.ceil((tight.w.resetAt - t) / 1000))
    reply.header('x-ratelimit-limit', tight.limit)
    reply.header('x-ratelimit-remaining', Math.max(0, tight.limit - tight.w.count))
    reply.header('x-ratelimit-reset', resetS)
    if (tight.w.count > tight.limit) {
      reply.header('retry-after', resetS)
      return sendError(reply, 'RATE_LIMITED')
    }
  })
}

export default fp(rateLimit, { name: 'rate-limit', fastify: '5.x' })
