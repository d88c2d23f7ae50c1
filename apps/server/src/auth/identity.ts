/**
 * From a verified Zoom app context to one of our users.
 *
 * The context proves the Zoom user id (`uid`) and nothing about the account: it carries no
 * account id (its `aid` is a chat "Action Command ID"). The account comes from tenancy.ts: the
 * deployment's one account (single tenant), or the account in-client OAuth bound this Zoom user
 * to (multi tenant). A Zoom user not bound yet gets a session that reaches no account data until
 * they connect through OAuth. A Home URL `accountId` value is never used.
 */
import { createHash } from 'node:crypto'
import type { SessionUser } from '@switchboard/protocol'
import type { Db } from '../store/port.ts'
import { bootstrapRole, type AuthSettings } from './settings.ts'
import { accountOfZoomUser } from './tenancy.ts'
import { upsertUser } from './users.ts'
import { DEFAULT_SKEW_MS, verifyZoomContext, type CredentialKind, type ZoomContextCode } from './zoom-context.ts'

/** How a context reached us: the Home URL header, or `POST /api/session` (from `getAppContext()`). */
export type ContextPath = 'home' | 'post'

export type ContextSignInResult =
  /** `user` null: verified, but the Zoom user's account is not bound yet (multi tenant). */
  | { ok: true; user: SessionUser | null; zoomUserId: string; cred: CredentialKind }
  | { ok: false; code: ZoomContextCode; reason: string }

export async function signInWithContext(
  db: Db,
  settings: AuthSettings,
  token: string,
  opts: { via: ContextPath; now?: number },
): Promise<ContextSignInResult> {
  if (settings.credentials.length === 0) {
    return { ok: false, code: 'INVALID_APP_CONTEXT', reason: 'no Zoom client secret is configured on this server' }
  }
  const verified = verifyZoomContext(token, { credentials: settings.credentials, now: opts.now ?? Date.now() })
  if (!verified.ok) {
    return { ok: false, code: verified.code, reason: verified.code === 'APP_CONTEXT_EXPIRED' ? 'the app context has expired' : 'the app context did not verify' }
  }
  const { context, cred } = verified
  if (!(await firstUse(db, opts.via, token, context.exp + DEFAULT_SKEW_MS))) {
    return { ok: false, code: 'INVALID_APP_CONTEXT', reason: 'the app context was already used' }
  }
  const uid = context.uid
  const accountId = await accountOfZoomUser(db, settings, uid)
  if (accountId === null) return { ok: true, user: null, zoomUserId: uid, cred: cred.kind }
  return { ok: true, user: await signInUser(db, settings, accountId, uid), zoomUserId: uid, cred: cred.kind }
}

/** Creates or refreshes the user in their account (bootstrap roles raised, never lowered). */
export async function signInUser(
  db: Db,
  settings: AuthSettings,
  accountId: string,
  zoomUserId: string,
  profile: { displayName?: string | null; email?: string | null } = {},
): Promise<SessionUser> {
  const minRole = bootstrapRole(settings, zoomUserId)
  const row = await upsertUser(db, { accountId, userId: zoomUserId, ...profile, ...(minRole ? { minRole } : {}) })
  return { id: row.id, accountId: row.accountId, role: row.role, displayName: row.displayName }
}

/**
 * Records a context's use on one path; false when it was already used there (a replay). The Zoom
 * client sends the same context with the Home URL and may return it again from `getAppContext()`,
 * so each path gets one use.
 */
async function firstUse(db: Db, via: ContextPath, token: string, expiresAt: number): Promise<boolean> {
  const digest = createHash('sha256').update(`${via}:${token.trim()}`, 'utf8').digest('base64url')
  const res = await db.query(
    `insert into used_app_contexts (digest, expires_at) values ($1, to_timestamp($2::double precision / 1000))
     on conflict (digest) do nothing`,
    [digest, expiresAt],
  )
  return res.rowCount > 0
}
