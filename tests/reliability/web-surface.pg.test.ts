/**
 * Scenario 6, the web attack surface of a real server process (the production entry, default
 * limits): WebSocket upgrades from foreign origins refused; oversized headers refused; slow
 * clients (slowloris headers, trickled bodies) and silent sockets cut off by timeouts while live
 * WebSockets stay up; socket floods and oversized frames closed with documented codes; HTTP rate
 * limits on the session and OAuth routes; the four headers Zoom requires on every response,
 * errors included.
 */
import { request } from 'node:http'
import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLOSE, ERRORS } from '@switchboard/protocol'
import { cleanup } from '../bench/cleanup.ts'
import { startCluster, type Cluster, type RelNode } from './lib/cluster.ts'
import { createRelDb, type RelDb } from './lib/db.ts'
import { LONG, pick, record } from './lib/mode.ts'
import { RawClient, wsTokenFor, type Identity } from './lib/raw-client.ts'

const ZOOM_HEADERS = ['strict-transport-security', 'x-content-type-options', 'referrer-policy', 'content-security-policy']
/** How long a slow client may hold a connection before the server must have cut it. */
const SLOW_CLIENT_LIMIT_MS = 15_000

let db: RelDb
let cluster: Cluster
let node: RelNode
const agent: Identity = { accountId: 'acc-ws-1', userId: 'ws-agent', role: 'agent' }
const results: Record<string, unknown> = {}

beforeAll(async () => {
  db = await createRelDb()
  cluster = await startCluster([{ nodeId: 'surface', databaseUrl: db.url }])
  node = cluster.nodes[0]!
  await db.seed([{ accountId: agent.accountId, id: agent.userId, name: 'Agent', role: 'agent' }])
}, 180_000)

afterAll(async () => {
  record('web-surface', results)
  await cleanup()
}, 60_000)

/** Raw HTTP over TCP: what the server answers (first bytes) and when it closes, within `ms`. */
function rawHttp(write: (s: Socket) => void, ms: number): Promise<{ answer: string; closedAfterMs: number | null }> {
  return new Promise((resolve) => {
    const t0 = Date.now()
    const s = connect(node.port, '127.0.0.1')
    let answer = ''
    s.on('data', (d) => { answer += String(d) })
    s.on('error', () => {})
    const timer = setTimeout(() => {
      s.destroy()
      resolve({ answer, closedAfterMs: null })
    }, ms)
    s.on('close', () => {
      clearTimeout(timer)
      resolve({ answer, closedAfterMs: Date.now() - t0 })
    })
    s.on('connect', () => write(s))
  })
}

/**
 * A POST whose declared length is over the body limit. The body is not sent: the server answers
 * 413 from the header and closes, and a client still writing a real 1 MB body there gets EPIPE
 * before it reads the answer (what made this test flaky with fetch).
 */
function declaredTooLarge(path: string): Promise<{ status: number; headers: { has(h: string): boolean }; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${node.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(1_100_000), accept: 'text/html' },
    }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => { text += d })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: { has: (h) => res.headers[h] !== undefined }, text }))
    })
    req.on('error', reject)
    req.flushHeaders()
  })
}

const headersOf = (answer: string) => answer.split('\r\n\r\n')[0]!.toLowerCase()

describe('web attack surface', () => {
  it('refuses WebSocket upgrades from foreign origins (403 ORIGIN_NOT_ALLOWED, with the Zoom headers)', async () => {
    const token = wsTokenFor(cluster.secret, agent)
    const outcomes: Record<string, string> = {}
    for (const origin of ['https://evil.example', 'null', `http://127.0.0.1:${node.port + 1}`, node.url]) {
      const c = new RawClient(node.wsUrl, { token, origin })
      outcomes[origin] = await c.opened.then(() => 'open', (e: { status?: number; body?: string; headers?: Record<string, string> }) => {
        const code = e.body ? (JSON.parse(e.body) as { error: { code: string } }).error.code : '-'
        const missing = ZOOM_HEADERS.filter((h) => e.headers?.[h] === undefined)
        return `${e.status} ${code}${missing.length ? ` missing ${missing}` : ''}`
      })
      c.close()
    }
    results['origins'] = outcomes
    expect(outcomes).toEqual({
      'https://evil.example': '403 ORIGIN_NOT_ALLOWED',
      'null': '403 ORIGIN_NOT_ALLOWED',
      [`http://127.0.0.1:${node.port + 1}`]: '403 ORIGIN_NOT_ALLOWED',
      [node.url]: 'open',
    })
  })

  it('cuts off slow clients and silent sockets, keeps live WebSockets, refuses oversized headers', async () => {
    const live = await RawClient.connect(node.wsUrl, { token: wsTokenFor(cluster.secret, agent), origin: node.url })
    let keepAlive: NodeJS.Timeout | undefined
    const pinging = new Promise<void>((resolve) => {
      keepAlive = setInterval(() => live.send({ type: 'ping', t: Date.now() }), 1000)
      setTimeout(resolve, 0)
    })
    await pinging
    const trickle = (s: Socket, first: string, each: string) => {
      s.write(first)
      const iv = setInterval(() => (s.writable ? s.write(each) : clearInterval(iv)), 1000)
      s.on('close', () => clearInterval(iv))
    }
    const [slowHeaders, slowBody, silent, noHello, bigHeader] = await Promise.all([
      rawHttp((s) => trickle(s, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', 'X-Slow: 1\r\n'), SLOW_CLIENT_LIMIT_MS + 2_000),
      rawHttp((s) => trickle(s, 'POST /api/dev/sign-in HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{', ' '), SLOW_CLIENT_LIMIT_MS + 2_000),
      rawHttp(() => {}, SLOW_CLIENT_LIMIT_MS + 2_000),
      (async () => {
        const c = new RawClient(node.wsUrl, { token: wsTokenFor(cluster.secret, agent), origin: node.url })
        await c.opened
        return c.closed(20_000).catch(() => null)
      })(),
      rawHttp((s) => s.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`), 10_000),
    ])
    clearInterval(keepAlive)
    const liveStillOpen = live.open
    live.close()
    const summary = {
      slowHeaders: { closedAfterMs: slowHeaders.closedAfterMs, status: slowHeaders.answer.slice(0, 12) },
      slowBody: { closedAfterMs: slowBody.closedAfterMs, status: slowBody.answer.slice(0, 12) },
      silentTcp: { closedAfterMs: silent.closedAfterMs },
      wsWithoutHello: noHello,
      bigHeader: { status: bigHeader.answer.slice(0, 12), missingZoomHeaders: ZOOM_HEADERS.filter((h) => !headersOf(bigHeader.answer).includes(`${h}:`)) },
      liveStillOpen,
    }
    results['slowClients'] = summary
    expect(liveStillOpen).toBe(true)
    expect(noHello).toBe(CLOSE.HELLO_TIMEOUT)
    expect(bigHeader.answer.startsWith('HTTP/1.1 431')).toBe(true)
    // Slow and silent clients must not hold a connection open for long (slowloris).
    expect({
      slowHeaders: slowHeaders.closedAfterMs !== null && slowHeaders.closedAfterMs <= SLOW_CLIENT_LIMIT_MS,
      slowBody: slowBody.closedAfterMs !== null && slowBody.closedAfterMs <= SLOW_CLIENT_LIMIT_MS,
      silent: silent.closedAfterMs !== null && silent.closedAfterMs <= SLOW_CLIENT_LIMIT_MS,
    }).toEqual({ slowHeaders: true, slowBody: true, silent: true })
    expect(summary.bigHeader.missingZoomHeaders).toEqual([])
  }, 60_000)

  it('closes a flooding socket (RATE_LIMITED, then 4008) and an oversized frame (1009)', async () => {
    const flood = await RawClient.connect(node.wsUrl, { token: wsTokenFor(cluster.secret, agent), origin: node.url })
    for (let i = 0; i < 2_000 && flood.open; i++) flood.send({ type: 'ping', t: i })
    const floodClose = await flood.closed(10_000).catch(() => null)
    const limited = flood.received.filter((m) => m.type === 'error' && m['code'] === 'RATE_LIMITED').length
    const big = await RawClient.connect(node.wsUrl, { token: wsTokenFor(cluster.secret, agent), origin: node.url })
    big.send({ type: 'ping', t: 1, pad: 'x'.repeat(70_000) })
    const bigClose = await big.closed(10_000).catch(() => null)
    results['socketLimits'] = { floodClose, rateLimitedErrors: limited, bigFrameClose: bigClose }
    expect(floodClose).toBe(CLOSE.RATE_LIMITED)
    expect(limited).toBeGreaterThan(0)
    expect(bigClose).toBe(CLOSE.MESSAGE_TOO_BIG)
  })

  it('rate-limits the OAuth and session routes per client (429 RATE_LIMITED with the Zoom headers)', async () => {
    const hammer = async (method: string, path: string, limit: number) => {
      let first429 = -1
      let res429: Response | null = null
      for (let i = 0; i <= limit + 5 && first429 < 0; i++) {
        const res = await fetch(`${node.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined })
        if (res.status === 429) {
          first429 = i
          res429 = res
        } else await res.arrayBuffer()
      }
      const body = res429 ? await res429.json() as { error: { code: string } } : null
      return { first429, code: body?.error.code ?? null, missing: res429 ? ZOOM_HEADERS.filter((h) => !res429.headers.has(h)) : ZOOM_HEADERS }
    }
    const oauth = await hammer('POST', '/api/oauth/start', 60)
    const session = await hammer('GET', '/api/session', 1000)
    const devSignIn = LONG ? await hammer('POST', '/api/dev/sign-in', 6000) : null
    results['httpRateLimits'] = { oauth, session, devSignIn }
    expect(oauth).toEqual({ first429: 60, code: 'RATE_LIMITED', missing: [] })
    expect(session).toEqual({ first429: 1000, code: 'RATE_LIMITED', missing: [] })
    // Dev sign-in allows 6000 a minute; hammered in the long run only.
    expect(devSignIn ?? { first429: 6000, code: 'RATE_LIMITED' }).toMatchObject({ first429: 6000, code: 'RATE_LIMITED' })
  }, pick(60_000, 300_000))

  it('sends the four Zoom headers on every kind of response, errors included', async () => {
    const token = wsTokenFor(cluster.secret, agent)
    const requests: Array<[string, string, RequestInit?]> = [
      ['page', '/'], ['asset 404', '/assets/missing-123.js'], ['health', '/healthz'], ['ready', '/readyz'], ['metrics', '/metrics'],
      ['api 401', '/api/engagements'], ['ws token on REST', `/api/settings/dispositions?token=${token}`],
      ['api 400', '/api/dev/sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"accountId":1}' }],
      ['bad json', '/api/dev/sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }],
      ['415', '/api/dev/sign-in', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }],
      ['404 api', '/api/nope'], ['405-ish', '/healthz', { method: 'DELETE' }], ['ws 401', '/ws'],
    ]
    const missing: Record<string, string[]> = {}
    const codes: Record<string, string> = {}
    const answers: Array<[string, { status: number; headers: { has(h: string): boolean }; text: string }]> = []
    for (const [name, path, init] of requests) {
      const res = await fetch(`${node.url}${path}`, { headers: { accept: 'text/html' }, ...init })
      answers.push([name, { status: res.status, headers: res.headers, text: await res.text() }])
    }
    answers.push(['413', await declaredTooLarge('/api/dev/sign-in')])
    for (const [name, { status, headers, text }] of answers) {
      const res = { status, headers }
      const m = ZOOM_HEADERS.filter((h) => !res.headers.has(h))
      if (m.length) missing[name] = m
      let code = ''
      try {
        code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? ''
      } catch {
        // a page
      }
      codes[name] = `${res.status}${code ? ` ${code}` : ''}`
      if (res.status >= 400 && !(code in ERRORS)) missing[name] = [...(missing[name] ?? []), `undocumented error body (${res.status})`]
    }
    results['headers'] = { codes, missing }
    expect(missing).toEqual({})
    // A WS token is for /ws only: on REST it is no credential.
    expect(codes['ws token on REST']).toBe('401 UNAUTHENTICATED')
  })
})
