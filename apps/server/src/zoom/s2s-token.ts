/**
 * Server-to-Server OAuth (developers.zoom.us/docs/internal-apps/s2s-oauth): an account-level
 * access token from `POST {oauthHost}/oauth/token?grant_type=account_credentials&account_id=…`
 * with HTTP Basic `client_id:client_secret`. It lives an hour and has no refresh token, so it is
 * cached until shortly before it expires and fetched again; concurrent callers share one fetch.
 * The response may name a regional API host (`api_url`), which the REST client then uses.
 * Errors never carry the token, the secret or a response body.
 */
import type { ZoomS2SCredentials } from '../config.ts'
import { basic, scopesOf, zoomJson, ZoomHttpError } from '../auth/oauth-client.ts'

/** Fetch a new token this long before the cached one expires. */
const EARLY_MS = 5 * 60_000

export interface S2SAccessToken {
  accessToken: string
  /** Epoch ms. */
  expiresAt: number
  /** The API base to call (`api_url` when Zoom sent one, else the configured API host), no trailing slash. */
  apiBase: string
  scopes: string[]
}

export interface S2STokenOptions {
  credentials: ZoomS2SCredentials
  oauthHost: string
  apiHost: string
  now?: () => number
  /** Called for each token fetched (metrics). */
  onFetch?: () => void
}

/** `api_url` as sent, if it is an absolute http(s) URL; anything else is ignored. */
function apiBaseOf(raw: unknown, fallback: string): string {
  if (typeof raw !== 'string') return fallback
  try {
    const u = new URL(raw)
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return fallback
    // A regional host never downgrades an https API host to http.
    if (u.protocol === 'http:' && fallback.startsWith('https:')) return fallback
    return u.origin
  } catch {
    return fallback
  }
}

export class S2SToken {
  private cached: S2SAccessToken | null = null
  private pending: Promise<S2SAccessToken> | null = null
  private readonly o: S2STokenOptions
  private readonly now: () => number

  constructor(o: S2STokenOptions) {
    this.o = o
    this.now = o.now ?? Date.now
  }

  /** A token valid for at least a few more minutes (cached for its hour). */
  get(): Promise<S2SAccessToken> {
    if (this.cached && this.now() < this.cached.expiresAt - EARLY_MS) return Promise.resolve(this.cached)
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = null
    })
    return this.pending
  }

  /** Forgets the cached token (the API answered 401 with it: revoked, or the app was deactivated). */
  invalidate(token: string): void {
    if (this.cached?.accessToken === token) this.cached = null
  }

  private async fetchToken(): Promise<S2SAccessToken> {
    const { credentials: c, oauthHost, apiHost } = this.o
    const url = `${oauthHost}/oauth/token?grant_type=account_credentials&account_id=${encodeURIComponent(c.accountId)}`
    const { body, status } = await zoomJson(url, 'S2S token request', { method: 'POST', authorization: basic(c) })
    const accessToken = body['access_token']
    const expiresIn = body['expires_in']
    if (typeof accessToken !== 'string' || typeof expiresIn !== 'number') throw new ZoomHttpError('S2S token response is missing fields;', status)
    this.o.onFetch?.()
    this.cached = {
      accessToken,
      expiresAt: this.now() + expiresIn * 1000,
      apiBase: apiBaseOf(body['api_url'], apiHost),
      scopes: scopesOf(body),
    }
    return this.cached
  }
}
