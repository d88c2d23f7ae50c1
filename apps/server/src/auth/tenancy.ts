/**
 * Tenancy: which account (an `accounts` row) a Zoom user or a Zoom account id belongs to.
 *
 * - Single tenant (ZOOM_ACCOUNT_ID set): every verified Zoom user belongs to that one account.
 * - Multi tenant (unset): a Zoom user's account is bound only from a verified source, in-client
 *   OAuth (`GET /v2/users/me`, whose `id` must be the context's `uid`), and kept in
 *   `zoom_identities`. Dev sign-in's emulator binds too ('dev'), counted only while dev sign-in
 *   is on. Until bound, a session reaches no account data (ACCOUNT_NOT_CONNECTED).
 *
 * Nothing here reads a Home URL `accountId` value or the context's `aid` (a chat "Action Command
 * ID", not an account): those are unsigned or something else, and never bind anyone.
 *
 * A Zoom account id maps to its row as `accountRowId` (settings.ts): the pseudonym `za_…` of the
 * id (the id itself is never stored), or the id as given in dev sign-in mode.
 */
import type { Db } from '../store/port.ts'
import { accountRowId, type AuthSettings } from './settings.ts'

export type BindingSource = 'oauth' | 'dev'

/** The account row a verified Zoom user belongs to, or null while it is not bound. */
export async function accountOfZoomUser(db: Db, settings: AuthSettings, zoomUserId: string): Promise<string | null> {
  if (settings.tenancy.mode === 'single') return settings.tenancy.accountId
  const res = await db.query<{ account_id: string; source: BindingSource }>(
    'select account_id, source from zoom_identities where zoom_user_id = $1', [zoomUserId])
  const row = res.rows[0]
  if (!row || (row.source === 'dev' && !settings.devSignIn)) return null
  return row.account_id
}

/**
 * Binds a Zoom user to the account a verified source named (creating the account row), or moves
 * them there: a later verified answer wins. Returns the account row id.
 */
export async function bindZoomUser(db: Db, settings: AuthSettings, zoomUserId: string, zoomAccountId: string, source: BindingSource): Promise<string> {
  const accountId = accountRowId(settings.devSignIn, zoomAccountId)
  await db.query('insert into accounts (id) values ($1) on conflict (id) do nothing', [accountId])
  await db.query(
    `insert into zoom_identities (zoom_user_id, account_id, source) values ($1, $2, $3)
     on conflict (zoom_user_id) do update set account_id = excluded.account_id, source = excluded.source, bound_at = now()`,
    [zoomUserId, accountId, source],
  )
  return accountId
}

/**
 * Whether this deployment serves a Zoom account (webhooks: a signed `payload.account_id`), and
 * under which account row: single tenant, only ZOOM_ACCOUNT_ID; multi tenant, an account at least
 * one of its users bound through OAuth (or the emulator, in dev sign-in mode). Null: not ours.
 */
export async function accountServed(db: Db, settings: AuthSettings, zoomAccountId: string): Promise<string | null> {
  if (settings.tenancy.mode === 'single') {
    return zoomAccountId === settings.tenancy.zoomAccountId ? settings.tenancy.accountId : null
  }
  const accountId = accountRowId(settings.devSignIn, zoomAccountId)
  const res = await db.query(
    `select 1 from zoom_identities where account_id = $1 and (source = 'oauth' or $2) limit 1`, [accountId, settings.devSignIn])
  return res.rowCount > 0 ? accountId : null
}
