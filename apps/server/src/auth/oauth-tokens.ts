/**
 * Stored Zoom OAuth tokens, encrypted at rest, keyed by account + Zoom user id.
 * Refresh runs under a row lock so two nodes never spend the same (rotating) refresh token.
 */
import type { Db, Store } from '../store/port.ts'
import { refreshTokens, type ClientCredentials, type TokenSet, type ZoomHosts } from './oauth-client.ts'
import { openToken, sealToken } from './token-crypto.ts'
import type { CredentialKind } from './zoom-context.ts'

/** Refresh this long before expiry so a token handed out is still good for a request. */
export const REFRESH_MARGIN_MS = 60_000

export interface StoredTokens extends TokenSet {
  accountId: string
  zoomUserId: string
  userId: string
  cred: CredentialKind
}

interface Row {
  account_id: string
  zoom_user_id: string
  user_id: string
  cred: CredentialKind
  access_token: string
  refresh_token: string
  scopes: string
  expires_at: Date | string
}

const aad = (accountId: string, zoomUserId: string, which: 'access' | 'refresh'): string =>
  `${which}:${accountId}:${zoomUserId}`

function fromRow(key: Buffer, r: Row): StoredTokens {
  return {
    accountId: r.account_id,
    zoomUserId: r.zoom_user_id,
    userId: r.user_id,
    cred: r.cred,
    accessToken: openToken(key, r.access_token, aad(r.account_id, r.zoom_user_id, 'access')),
    refreshToken: openToken(key, r.refresh_token, aad(r.account_id, r.zoom_user_id, 'refresh')),
    scopes: r.scopes.split(' ').filter((s) => s !== ''),
    expiresAt: r.expires_at instanceof Date ? r.expires_at.getTime() : new Date(r.expires_at).getTime(),
  }
}

export async function saveTokens(db: Db, key: Buffer, t: StoredTokens): Promise<void> {
  await db.query(
    `insert into oauth_tokens (account_id, zoom_user_id, user_id, cred, access_token, refresh_token, scopes, expires_at)
     values ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8::double precision / 1000))
     on conflict (account_id, zoom_user_id) do update set
       user_id = excluded.user_id, cred = excluded.cred,
       access_token = excluded.access_token, refresh_token = excluded.refresh_token,
       scopes = excluded.scopes, expires_at = excluded.expires_at, updated_at = now()`,
    [
      t.accountId, t.zoomUserId, t.userId, t.cred,
      sealToken(key, t.accessToken, aad(t.accountId, t.zoomUserId, 'access')),
      sealToken(key, t.refreshToken, aad(t.accountId, t.zoomUserId, 'refresh')),
      t.scopes.join(' '), t.expiresAt,
    ],
  )
}

export async function loadTokens(db: Db, key: Buffer, accountId: string, zoomUserId: string, forUpdate = false): Promise<StoredTokens | null> {
  const res = await db.query<Row>(
    `select account_id, zoom_user_id, user_id, cred, access_token, refresh_token, scopes, expires_at
     from oauth_tokens where account_id = $1 and zoom_user_id = $2${forUpdate ? ' for update' : ''}`,
    [accountId, zoomUserId],
  )
  const row = res.rows[0]
  return row ? fromRow(key, row) : null
}

export async function deleteTokens(db: Db, accountId: string, zoomUserId: string): Promise<void> {
  await db.query('delete from oauth_tokens where account_id = $1 and zoom_user_id = $2', [accountId, zoomUserId])
}

export interface RefreshDeps {
  store: Store
  key: Buffer
  hosts: ZoomHosts
  credentials(kind: CredentialKind): ClientCredentials | undefined
  now?: () => number
}

/**
 * A usable access token for the user, refreshing (and storing the rotated refresh token) when it
 * is about to expire. Null when the user never connected. Throws when Zoom refuses the refresh.
 */
export async function getAccessToken(deps: RefreshDeps, accountId: string, zoomUserId: string): Promise<StoredTokens | null> {
  const now = deps.now ?? Date.now
  const current = await loadTokens(deps.store, deps.key, accountId, zoomUserId)
  if (!current || current.expiresAt - REFRESH_MARGIN_MS > now()) return current
  return deps.store.transaction(async (tx) => {
    const locked = await loadTokens(tx, deps.key, accountId, zoomUserId, true)
    // Another node refreshed while we waited for the lock: use its result.
    if (!locked || locked.expiresAt - REFRESH_MARGIN_MS > now()) return locked
    const cred = deps.credentials(locked.cred)
    if (!cred) throw new Error(`no ${locked.cred} Zoom credentials configured to refresh tokens`)
    const fresh = await refreshTokens(deps.hosts, cred, locked.refreshToken, now)
    const next: StoredTokens = { ...locked, ...fresh, scopes: fresh.scopes.length > 0 ? fresh.scopes : locked.scopes }
    await saveTokens(tx, deps.key, next)
    return next
  })
}
