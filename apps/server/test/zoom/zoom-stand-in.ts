/**
 * A stand-in for zoom.us and api.zoom.us as the Server-to-Server app sees them: a real HTTP
 * server on 127.0.0.1 that checks what we send the way Zoom does (Basic auth on the token
 * request, `grant_type=account_credentials`, the account id; a Bearer token on API calls) and
 * serves the Contact Center lists with Zoom's pagination. Faults are scripted per path: a 429
 * (with or without Retry-After), a 500, a dropped connection, an expired token.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface S2SApp { accountId: string; clientId: string; clientSecret: string }

export type Fault =
  | { status: 429; retryAfter?: string }
  | { status: 500 | 502 | 503 }
  | { status: 401 }
  | { drop: true }

export interface Seen { method: string; path: string; query: Record<string, string>; auth: string | undefined; at: number }

export class ZoomStandIn {
  readonly server: Server = createServer((req, res) => void this.handle(req, res))
  url = ''
  readonly seen: Seen[] = []
  /** Lists served by path (`/v2/contact_center/users` → items), paginated by `page_size`. */
  readonly lists = new Map<string, { key: string; items: Record<string, unknown>[] }>()
  /** Faults to answer the next requests of a path with, in order. */
  readonly faults = new Map<string, Fault[]>()
  /** `api_url` in token responses (another stand-in, to check the regional host is used). */
  apiUrl: string | undefined
  tokensIssued = 0
  expiresIn = 3600
  private readonly live = new Set<string>()
  private readonly app: S2SApp

  constructor(app: S2SApp) {
    this.app = app
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    return this
  }

  close(): Promise<void> {
    this.server.closeAllConnections()
    return new Promise((r) => this.server.close(() => r()))
  }

  /** Tokens issued by another stand-in (the OAuth host) that this one (a regional API host) honours. */
  trust(other: ZoomStandIn): void {
    other.live.forEach((t) => this.live.add(t))
    other.onIssue = (t) => this.live.add(t)
  }

  /** Revokes every token issued so far (as a deactivated app would). */
  revokeTokens(): void {
    this.live.clear()
  }

  setList(path: string, key: string, items: Record<string, unknown>[]): void {
    this.lists.set(`/v2${path}`, { key, items })
  }

  fail(path: string, ...faults: Fault[]): void {
    this.faults.set(`/v2${path}`, [...(this.faults.get(`/v2${path}`) ?? []), ...faults])
  }

  requests(path: string): Seen[] {
    return this.seen.filter((s) => s.path === `/v2${path}` || s.path === path)
  }

  private onIssue: ((token: string) => void) | undefined

  private json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers })
    res.end(JSON.stringify(body))
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url)
    for await (const _ of req) { /* drain */ }
    this.seen.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), auth: req.headers.authorization, at: Date.now() })
    if (req.method === 'POST' && url.pathname === '/oauth/token') {
      const basic = 'Basic ' + Buffer.from(`${this.app.clientId}:${this.app.clientSecret}`).toString('base64')
      if (req.headers.authorization !== basic) return this.json(res, 401, { reason: 'Invalid client_id or client_secret', error: 'invalid_client' })
      if (url.searchParams.get('grant_type') !== 'account_credentials') return this.json(res, 400, { reason: 'Unsupported grant type', error: 'unsupported_grant_type' })
      if (url.searchParams.get('account_id') !== this.app.accountId) return this.json(res, 400, { reason: 'Invalid account_id', error: 'invalid_request' })
      const token = `s2s-${++this.tokensIssued}-${Math.random().toString(36).slice(2)}`
      this.live.add(token)
      this.onIssue?.(token)
      const body: Record<string, unknown> = { access_token: token, token_type: 'bearer', expires_in: this.expiresIn, scope: 'contact_center:read:list_users:admin' }
      if (this.apiUrl) body['api_url'] = this.apiUrl
      return this.json(res, 200, body)
    }
    if (req.method !== 'GET' || !url.pathname.startsWith('/v2/')) return this.json(res, 404, { code: 404, message: 'Not found' })
    const fault = this.faults.get(url.pathname)?.shift()
    if (fault) {
      if ('drop' in fault) {
        req.socket.destroy()
        return
      }
      if (fault.status === 429) return this.json(res, 429, { code: 429, message: 'You have reached the maximum per-second rate limit for this API. Try again later.' }, fault.retryAfter ? { 'retry-after': fault.retryAfter } : {})
      if (fault.status === 401) return this.json(res, 401, { code: 124, message: 'Invalid access token.' })
      return this.json(res, fault.status, { code: fault.status, message: 'Internal error' })
    }
    const token = req.headers.authorization?.replace(/^Bearer /, '')
    if (!token || !this.live.has(token)) return this.json(res, 401, { code: 124, message: 'Invalid access token.' })
    const list = this.lists.get(url.pathname)
    if (!list) return this.json(res, 404, { code: 1001, message: 'Not found' })
    const size = Math.min(Number(url.searchParams.get('page_size') ?? 30), 300)
    const offset = url.searchParams.get('next_page_token') ? Number(Buffer.from(url.searchParams.get('next_page_token')!, 'base64url').toString()) : 0
    const page = list.items.slice(offset, offset + size)
    const next = offset + size < list.items.length ? Buffer.from(String(offset + size)).toString('base64url') : ''
    return this.json(res, 200, { next_page_token: next, page_size: size, total_records: list.items.length, [list.key]: page })
  }
}
