/**
 * GETs against Zoom's REST API with the Server-to-Server token: `{apiBase}/v2{path}`.
 *
 * - Pagination: every list endpoint takes `page_size` and `next_page_token` and returns
 *   `next_page_token` (empty on the last page; a token expires after 15 minutes).
 * - Retries, with exponential backoff and full jitter: network errors, timeouts and 5xx.
 * - 429: Zoom's per-second limits answer 429, sometimes with `Retry-After` (seconds, an HTTP
 *   date, or, for daily limits, an ISO time at which the quota resets). We wait as told when it
 *   is within `maxRetryAfterMs`, else back off; a wait beyond that (a spent daily quota) fails
 *   the call with `retryAt` so the backfill can come back then.
 * - 401: the token is dropped and fetched once more (revoked, or the app was re-activated).
 * Errors name the path and status only, never a token or a response body.
 */
import { backoffDelay } from '@switchboard/protocol'
import type { ZoomMetrics } from './metrics.ts'
import type { S2SToken } from './s2s-token.ts'

const TIMEOUT_MS = 15_000

export class ZoomApiError extends Error {
  readonly status: number
  /** When a rate limit says to come back (epoch ms), if it did. */
  readonly retryAt: number | undefined
  constructor(path: string, status: number, retryAt?: number) {
    super(`GET ${path} failed${status ? ` with HTTP ${status}` : ''}`)
    this.name = 'ZoomApiError'
    this.status = status
    this.retryAt = retryAt
  }
}

export interface RestClientOptions {
  token: S2SToken
  metrics?: ZoomMetrics
  /** Attempts per request (first try included). */
  attempts?: number
  backoff?: { baseMs: number; maxMs: number }
  /** Longest Retry-After we wait for inside one call. */
  maxRetryAfterMs?: number
  sleep?: (ms: number) => Promise<void>
  now?: () => number
  random?: () => number
}

export type Query = Record<string, string | number | undefined>

/** Retry-After as seconds, an HTTP date, or an ISO time; epoch ms, or undefined when absent/unreadable. */
export function retryAfterAt(value: string | null, now: number): number | undefined {
  if (!value) return undefined
  const v = value.trim()
  if (/^\d+(\.\d+)?$/.test(v)) return now + Math.ceil(Number(v) * 1000)
  const t = Date.parse(v)
  return Number.isFinite(t) ? t : undefined
}

export class ZoomRestClient {
  private readonly o: Required<Omit<RestClientOptions, 'metrics'>> & { metrics: ZoomMetrics | undefined }

  constructor(o: RestClientOptions) {
    this.o = {
      token: o.token, metrics: o.metrics, attempts: o.attempts ?? 5, backoff: o.backoff ?? { baseMs: 500, maxMs: 30_000 },
      maxRetryAfterMs: o.maxRetryAfterMs ?? 60_000, sleep: o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
      now: o.now ?? Date.now, random: o.random ?? Math.random,
    }
  }

  async get(path: string, query: Query = {}): Promise<Record<string, unknown>> {
    const { token, attempts, backoff, sleep, now, random, maxRetryAfterMs } = this.o
    const metrics = this.o.metrics?.rest
    let reauthorized = false
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= attempts - 1
      const t = await token.get()
      const url = new URL(`${t.apiBase}/v2${path}`)
      for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') url.searchParams.set(k, String(v))
      let res: Response
      try {
        res = await fetch(url, { headers: { authorization: `Bearer ${t.accessToken}`, accept: 'application/json' }, signal: AbortSignal.timeout(TIMEOUT_MS) })
      } catch {
        if (last) {
          if (metrics) metrics.failed++
          throw new ZoomApiError(path, 0)
        }
        if (metrics) metrics.retried++
        await sleep(backoffDelay(attempt, backoff, random))
        continue
      }
      if (res.ok) {
        if (metrics) metrics.ok++
        return (await res.json()) as Record<string, unknown>
      }
      await res.body?.cancel()
      if (res.status === 401 && !reauthorized) {
        reauthorized = true
        token.invalidate(t.accessToken)
        continue
      }
      if (res.status === 429) {
        if (metrics) metrics.rate_limited++
        const at = retryAfterAt(res.headers.get('retry-after'), now())
        const wait = at === undefined ? backoffDelay(attempt, backoff, random) : Math.max(0, at - now())
        if (last || wait > maxRetryAfterMs) throw new ZoomApiError(path, 429, at ?? now() + wait)
        await sleep(wait)
        continue
      }
      if (res.status >= 500 && !last) {
        if (metrics) metrics.retried++
        await sleep(backoffDelay(attempt, backoff, random))
        continue
      }
      if (metrics) metrics.failed++
      throw new ZoomApiError(path, res.status)
    }
  }

  /** Every item of a paginated list (`listKey` names the array), page by page. */
  async *pages<T = Record<string, unknown>>(path: string, listKey: string, query: Query = {}, pageSize = 100): AsyncGenerator<T[]> {
    let next: string | undefined
    const seen = new Set<string>()
    do {
      const body = await this.get(path, { ...query, page_size: pageSize, next_page_token: next })
      const items = body[listKey]
      yield Array.isArray(items) ? (items as T[]) : []
      const token = body['next_page_token']
      next = typeof token === 'string' && token !== '' && !seen.has(token) ? token : undefined
      if (next) seen.add(next)
    } while (next)
  }
}
