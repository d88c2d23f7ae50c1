/**
 * Zoom's OAuth and user endpoints. Hosts are parameters so tests point them at a local stand-in.
 * Errors never carry tokens, codes or response bodies (they may hold secrets).
 */
const TIMEOUT_MS = 10_000

export interface ZoomHosts {
  oauthHost: string
  apiHost: string
}

export interface ClientCredentials {
  clientId: string
  clientSecret: string
}

export interface TokenSet {
  accessToken: string
  refreshToken: string
  /** Epoch ms. */
  expiresAt: number
  scopes: string[]
}

export interface ZoomMe {
  id: string
  accountId: string
  email: string | null
  displayName: string | null
}

export class ZoomHttpError extends Error {
  readonly status: number
  constructor(what: string, status: number) {
    super(`${what} failed with HTTP ${status}`)
    this.name = 'ZoomHttpError'
    this.status = status
  }
}

/** HTTP Basic `client_id:client_secret`, as Zoom's token endpoint takes it. */
export function basic(c: ClientCredentials): string {
  return 'Basic ' + Buffer.from(`${c.clientId}:${c.clientSecret}`, 'utf8').toString('base64')
}

/**
 * A Zoom OAuth or API call answering JSON, within the timeout. A non-2xx answer is a
 * `ZoomHttpError` naming `what` (the body is discarded unread: it may hold secrets).
 */
export async function zoomJson(
  url: string,
  what: string,
  init: { method?: 'GET' | 'POST'; authorization: string; contentType?: string; body?: string },
): Promise<{ body: Record<string, unknown>; status: number }> {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      authorization: init.authorization,
      ...(init.contentType ? { 'content-type': init.contentType } : {}),
      accept: 'application/json',
    },
    ...(init.body !== undefined ? { body: init.body } : {}),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  })
  if (!res.ok) {
    await res.body?.cancel()
    throw new ZoomHttpError(what, res.status)
  }
  return { body: (await res.json()) as Record<string, unknown>, status: res.status }
}

/** A token response's `scope` ("a b" or "a,b") as a list. */
export function scopesOf(body: Record<string, unknown>): string[] {
  const scope = typeof body['scope'] === 'string' ? body['scope'] : ''
  return scope.split(/[\s,]+/).filter((s) => s !== '')
}

async function tokenRequest(hosts: ZoomHosts, cred: ClientCredentials, form: Record<string, string>, now: () => number): Promise<TokenSet> {
  const { body, status } = await zoomJson(`${hosts.oauthHost}/oauth/token`, `token request (${form['grant_type']})`, {
    method: 'POST',
    authorization: basic(cred),
    contentType: 'application/x-www-form-urlencoded',
    body: new URLSearchParams(form).toString(),
  })
  const accessToken = body['access_token']
  const refreshToken = body['refresh_token']
  const expiresIn = body['expires_in']
  if (typeof accessToken !== 'string' || typeof refreshToken !== 'string' || typeof expiresIn !== 'number') {
    throw new ZoomHttpError('token response is missing fields;', status)
  }
  return { accessToken, refreshToken, expiresAt: now() + expiresIn * 1000, scopes: scopesOf(body) }
}

/** `POST {oauthHost}/oauth/token` with grant_type=authorization_code and the PKCE verifier. */
export function exchangeCode(
  hosts: ZoomHosts,
  cred: ClientCredentials,
  input: { code: string; redirectUri: string; codeVerifier: string },
  now: () => number = Date.now,
): Promise<TokenSet> {
  return tokenRequest(hosts, cred, {
    grant_type: 'authorization_code',
    code: input.code,
    redirect_uri: input.redirectUri,
    code_verifier: input.codeVerifier,
  }, now)
}

/** Zoom rotates refresh tokens: the returned set carries the one to keep. */
export function refreshTokens(hosts: ZoomHosts, cred: ClientCredentials, refreshToken: string, now: () => number = Date.now): Promise<TokenSet> {
  return tokenRequest(hosts, cred, { grant_type: 'refresh_token', refresh_token: refreshToken }, now)
}

/** `GET {apiHost}/v2/users/me`: who the token belongs to. */
export async function fetchMe(hosts: ZoomHosts, accessToken: string): Promise<ZoomMe> {
  const { body, status } = await zoomJson(`${hosts.apiHost}/v2/users/me`, 'users/me', { authorization: `Bearer ${accessToken}` })
  const id = body['id']
  const accountId = body['account_id']
  if (typeof id !== 'string' || typeof accountId !== 'string') throw new ZoomHttpError('users/me response is missing id/account_id;', status)
  const first = typeof body['first_name'] === 'string' ? body['first_name'] : ''
  const last = typeof body['last_name'] === 'string' ? body['last_name'] : ''
  const display = typeof body['display_name'] === 'string' ? body['display_name'] : `${first} ${last}`.trim()
  return {
    id,
    accountId,
    email: typeof body['email'] === 'string' ? body['email'] : null,
    displayName: display === '' ? null : display,
  }
}
