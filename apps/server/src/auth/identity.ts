/**
 * From a verified Zoom app context to one of our users.
 *
 * The context proves the Zoom user id (`uid`) but, on the Contact Center surface, usually not
 * the account. The account is taken, in order, from:
 *   1. the context's own `aid`, when Zoom includes it (verified);
 *   2. the account the user was already bound to (first sight, or a verified OAuth identity);
 *   3. the Home URL's `accountId` template value (`?accountId={accountId}`) on first sight.
 * Without any of them there is no account to put the user in, and the context is refused.
 * Zoom account ids are stored as pseudonyms (`zoomAccountKey`).
 */
import type { SessionUser } from '@switchboard/protocol'
import type { Db } from '../store/port.ts'
import { bootstrapRole, type AuthSettings } from './settings.ts'
import { zoomAccountKey } from './token-crypto.ts'
import { findAccountOfUser, upsertUser } from './users.ts'
import { verifyZoomContext, type CredentialKind, type ZoomContextCode } from './zoom-context.ts'

export type ContextSignInResult =
  | { ok: true; user: SessionUser; cred: CredentialKind }
  | { ok: false; code: ZoomContextCode; reason: string }

function claimedAccount(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined
  const v = raw.trim()
  // Zoom fills absent template values with "none".
  if (v === '' || v === 'none' || v.length > 128) return undefined
  return v
}

export async function signInWithContext(
  db: Db,
  settings: AuthSettings,
  token: string,
  opts: { claimedAccountId?: string | undefined; now?: number } = {},
): Promise<ContextSignInResult> {
  if (settings.credentials.length === 0) {
    return { ok: false, code: 'INVALID_APP_CONTEXT', reason: 'no Zoom client secret is configured on this server' }
  }
  const verified = verifyZoomContext(token, { credentials: settings.credentials, now: opts.now ?? Date.now() })
  if (!verified.ok) {
    return { ok: false, code: verified.code, reason: verified.code === 'APP_CONTEXT_EXPIRED' ? 'the app context has expired' : 'the app context did not verify' }
  }
  const { context, cred } = verified
  const uid = context.uid
  let accountId: string | null = typeof context.aid === 'string' ? zoomAccountKey(context.aid) : null
  accountId ??= await findAccountOfUser(db, uid)
  if (accountId === null) {
    const claimed = claimedAccount(opts.claimedAccountId)
    if (claimed !== undefined) accountId = zoomAccountKey(claimed)
  }
  if (accountId === null) {
    return {
      ok: false,
      code: 'INVALID_APP_CONTEXT',
      reason: 'the account is unknown: set the Home URL to end in ?accountId={accountId} in the Marketplace',
    }
  }
  const minRole = bootstrapRole(settings, uid)
  const row = await upsertUser(db, { accountId, userId: uid, ...(minRole ? { minRole } : {}) })
  return {
    ok: true,
    cred: cred.kind,
    user: { id: row.id, accountId: row.accountId, role: row.role, displayName: row.displayName },
  }
}
