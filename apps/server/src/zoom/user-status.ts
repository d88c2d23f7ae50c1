/**
 * Agents as Zoom reports them: users named by webhooks or the REST users list get a row in
 * their (existing) account, so the roster and the board show them before they ever open the app;
 * their Contact Center status is kept in `zoom_user_status`, newest report wins.
 */
import type { ContactCenterStatus } from '@switchboard/protocol'
import type { Db } from '../store/port.ts'
import type { UserStatusChange } from './mapping.ts'

export interface ZoomUser {
  id: string
  displayName: string | null
  email: string | null
}

/**
 * Creates the users Zoom names that we do not have yet (role agent), and fills a missing name or
 * email; never changes a role, and never touches `last_seen_at` (that is app activity).
 */
export async function ensureUsers(db: Db, accountId: string, users: readonly ZoomUser[]): Promise<void> {
  if (users.length === 0) return
  const unique = [...new Map(users.map((u) => [u.id, u])).values()].sort((a, b) => (a.id < b.id ? -1 : 1))
  await db.query(
    `insert into users (account_id, id, display_name, email)
     select $1, k.id, k.name, k.email from jsonb_to_recordset($2::jsonb) as k(id text, name text, email text)
     on conflict (account_id, id) do update set
       display_name = coalesce(users.display_name, excluded.display_name),
       email = coalesce(users.email, excluded.email)
     where users.display_name is null and excluded.display_name is not null
        or users.email is null and excluded.email is not null`,
    [accountId, JSON.stringify(unique.map((u) => ({ id: u.id, name: u.displayName, email: u.email })))])
}

/**
 * Applies a status or login report unless a newer one of its kind is stored (Zoom's time
 * orders them; deliveries may come late or twice); true when something changed.
 */
export async function applyUserStatus(db: Db, accountId: string, userId: string, change: UserStatusChange): Promise<boolean> {
  const at = change.at
  if (change.status) {
    const s = change.status
    const res = await db.query(
      `insert into zoom_user_status as z (account_id, user_id, status_id, status_name, sub_status_id, sub_status_name, status_at)
       values ($1, $2, $3, $4, $5, $6, to_timestamp($7 / 1000.0))
       on conflict (account_id, user_id) do update set status_id = excluded.status_id, status_name = excluded.status_name,
         sub_status_id = excluded.sub_status_id, sub_status_name = excluded.sub_status_name, status_at = excluded.status_at, updated_at = now()
       where (z.status_at is null or z.status_at <= excluded.status_at)
         and (z.status_id, z.status_name, z.sub_status_id, z.sub_status_name, z.status_at)
             is distinct from (excluded.status_id, excluded.status_name, excluded.sub_status_id, excluded.sub_status_name, excluded.status_at)`,
      [accountId, userId, s.id, s.name, s.subId, s.subName, at])
    return (res.rowCount ?? 0) > 0
  }
  if (change.loggedIn === undefined) return false
  const res = await db.query(
    `insert into zoom_user_status as z (account_id, user_id, logged_in, login_at)
     values ($1, $2, $3, to_timestamp($4 / 1000.0))
     on conflict (account_id, user_id) do update set logged_in = excluded.logged_in, login_at = excluded.login_at, updated_at = now()
     where (z.login_at is null or z.login_at <= excluded.login_at)
       and (z.logged_in, z.login_at) is distinct from (excluded.logged_in, excluded.login_at)`,
    [accountId, userId, change.loggedIn, at])
  return (res.rowCount ?? 0) > 0
}

export interface StatusRow {
  status_name: string | null; status_id: string | null; sub_status_name: string | null; sub_status_id: string | null
  status_at: number | string | null; logged_in: boolean | null
}

/** The roster's `contactCenter` field from a `zoom_user_status` row (null when Zoom reported none). */
export function contactCenterOf(r: Partial<StatusRow> | null | undefined): ContactCenterStatus | null {
  if (!r || (r.status_name == null && r.status_id == null && r.logged_in == null)) return null
  return {
    status: r.status_name ?? null, statusId: r.status_id ?? null, subStatus: r.sub_status_name ?? null,
    subStatusId: r.sub_status_id ?? null, since: r.status_at == null ? null : Number(r.status_at), loggedIn: r.logged_in ?? null,
  }
}
