/**
 * Checks a running deployment the way Zoom will use it: HTTPS, the Home URL's required headers,
 * the WebSocket endpoint answering an upgrade, and the database being ready.
 */
import WebSocket from 'ws'

export interface CheckResult {
  name: string
  ok: boolean
  detail: string
  /** What to change, when the check failed. */
  fix?: string
}

export interface CheckOptions {
  /** Skip the HTTPS requirement (tests against a local plain-HTTP server). */
  allowHttp?: boolean
  timeoutMs?: number
}

export const REQUIRED_HEADERS = [
  'strict-transport-security',
  'x-content-type-options',
  'content-security-policy',
  'referrer-policy',
] as const

const UA = 'Mozilla/5.0 ZoomApps/1.0 switchboard-doctor'

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause
    return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message
  }
  return String(err)
}

async function get(url: string, timeoutMs: number, accept: string): Promise<Response> {
  return fetch(url, { headers: { accept, 'user-agent': UA }, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) })
}

function checkHttps(base: URL, opts: CheckOptions): CheckResult {
  if (base.protocol === 'https:') return { name: 'HTTPS', ok: true, detail: base.origin }
  if (opts.allowHttp) return { name: 'HTTPS', ok: true, detail: `${base.origin} (plain HTTP allowed for this run)` }
  return {
    name: 'HTTPS',
    ok: false,
    detail: `${base.origin} is not https`,
    fix: 'Zoom loads the Home URL over HTTPS (TLS 1.2+) only: terminate TLS at a reverse proxy or an HTTPS tunnel and check that URL.',
  }
}

async function checkHome(base: URL, wsOrigin: string, timeoutMs: number): Promise<CheckResult[]> {
  const name = 'Home URL headers'
  let res: Response
  try {
    res = await get(new URL('/', base).href, timeoutMs, 'text/html')
  } catch (err) {
    return [{ name: 'Home URL reachable', ok: false, detail: describe(err), fix: 'Start the server and check the URL, DNS, TLS certificate and firewall.' }]
  }
  const body = await res.text()
  const type = res.headers.get('content-type') ?? ''
  const results: CheckResult[] = []
  if (res.status !== 200 || !type.startsWith('text/html')) {
    results.push({
      name: 'Home URL reachable',
      ok: false,
      detail: `GET / answered ${res.status} ${type || '(no content type)'}`,
      fix: res.status === 404 || /not built/.test(body) ? 'Build the web app (npm run build) so the server can serve it.' : 'GET / must answer 200 text/html with the agent app.',
    })
  } else {
    results.push({ name: 'Home URL reachable', ok: true, detail: `GET / answered 200 ${type}` })
  }
  const missing = REQUIRED_HEADERS.filter((h) => !res.headers.has(h))
  results.push(missing.length === 0
    ? { name, ok: true, detail: REQUIRED_HEADERS.join(', ') }
    : { name, ok: false, detail: `missing ${missing.join(', ')}`, fix: 'Zoom refuses to render HTML without these headers; if a proxy sits in front, make sure it does not strip them.' })
  const csp = res.headers.get('content-security-policy')
  if (csp) {
    const connect = /(?:^|;)\s*connect-src([^;]*)/.exec(csp)?.[1] ?? ''
    results.push(connect.split(/\s+/).includes(wsOrigin)
      ? { name: 'CSP allows the WebSocket', ok: true, detail: `connect-src has ${wsOrigin}` }
      : { name: 'CSP allows the WebSocket', ok: false, detail: `connect-src lacks ${wsOrigin}`, fix: 'Set PUBLIC_URL on the server to this exact external URL: the CSP is built from it.' })
  }
  return results
}

function checkWebSocket(base: URL, timeoutMs: number): Promise<CheckResult> {
  const name = 'WebSocket /ws'
  const url = new URL('/ws', base)
  url.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:'
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers: { origin: base.origin, 'user-agent': UA }, handshakeTimeout: timeoutMs })
    const done = (r: CheckResult) => {
      ws.removeAllListeners()
      ws.on('error', () => {})
      ws.terminate()
      resolve(r)
    }
    ws.on('open', () => done({ name, ok: true, detail: 'upgrade accepted' }))
    ws.on('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0
      res.resume()
      // Refusing an unauthenticated upgrade is the expected answer: the endpoint is there.
      if ([400, 401, 403, 426, 429].includes(status)) done({ name, ok: true, detail: `the upgrade reached the server (HTTP ${status} without a session)` })
      else done({
        name,
        ok: false,
        detail: `the upgrade was answered with HTTP ${status}`,
        fix: status === 404
          ? 'The server has no /ws route, or a proxy routes it elsewhere.'
          : 'A proxy in front does not pass WebSocket upgrades: forward the Upgrade and Connection headers for /ws.',
      })
    })
    ws.on('error', (err) => done({ name, ok: false, detail: describe(err), fix: 'Make /ws reachable through the same host and TLS as the Home URL.' }))
  })
}

async function checkReady(base: URL, timeoutMs: number): Promise<CheckResult> {
  const name = 'Database ready (/readyz)'
  try {
    const res = await get(new URL('/readyz', base).href, timeoutMs, 'application/json')
    if (res.status === 200) return { name, ok: true, detail: 'ready' }
    const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null
    return {
      name,
      ok: false,
      detail: `HTTP ${res.status} ${body?.error?.code ?? ''} ${body?.error?.message ?? ''}`.trim(),
      fix: 'Check DATABASE_URL and that Postgres is up; the server applies migrations when it starts (restart it after fixing).',
    }
  } catch (err) {
    return { name, ok: false, detail: describe(err), fix: 'Start the server and check the URL.' }
  }
}

async function checkDevSignIn(base: URL, timeoutMs: number, opts: CheckOptions): Promise<CheckResult> {
  const name = 'Dev sign-in off'
  try {
    const res = await get(new URL('/api/dev/status', base).href, timeoutMs, 'application/json')
    const body = (await res.json()) as { devSignIn?: boolean }
    if (body.devSignIn !== true) return { name, ok: true, detail: 'Zoom sign-in only' }
    if (opts.allowHttp && base.protocol === 'http:') return { name, ok: true, detail: 'dev sign-in is on (acceptable for a local run only)' }
    return { name, ok: false, detail: 'dev sign-in is on: anyone can sign in as anyone', fix: 'Set the Zoom client id and secret (ZOOM_DEV_CLIENT_ID/SECRET or ZOOM_CLIENT_ID/SECRET) and restart.' }
  } catch (err) {
    return { name, ok: false, detail: describe(err), fix: 'GET /api/dev/status must answer; is this a Switchboard server?' }
  }
}

export async function checkDeployment(baseUrl: string, opts: CheckOptions = {}): Promise<CheckResult[]> {
  const timeoutMs = opts.timeoutMs ?? 8000
  const base = new URL(baseUrl)
  const wsOrigin = `${base.protocol === 'https:' ? 'wss:' : 'ws:'}//${base.host}`
  const results: CheckResult[] = [checkHttps(base, opts)]
  results.push(...await checkHome(base, wsOrigin, timeoutMs))
  results.push(await checkWebSocket(base, timeoutMs))
  results.push(await checkReady(base, timeoutMs))
  results.push(await checkDevSignIn(base, timeoutMs, opts))
  return results
}

export function formatResults(results: readonly CheckResult[]): string {
  const lines = results.map((r) => {
    const head = `  ${r.ok ? 'ok  ' : 'FAIL'}  ${r.name}: ${r.detail}`
    return r.ok || !r.fix ? head : `${head}\n        fix: ${r.fix}`
  })
  return lines.join('\n') + '\n'
}
