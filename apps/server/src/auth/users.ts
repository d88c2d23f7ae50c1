/**
 * Accounts, users and roles. Every function takes the executor first and is scoped by account
 * (which account a Zoom user belongs to is tenancy.ts's question).
 */
import type { Role } from '@switchboard/protocol'
import type { Db } from '../store/port.ts'

export interface UserRecord {
  accountId: string
  id: string
  displayName: string | null
  email: string | null
  role: Role
  createdAt: number
  lastSeenAt: number
}

interface UserRow {
  account_id: string
  id: string
  display_name: string | null
  email: string | null
  role: Role
  created_at: Date | string
  last_seen_at: Date | string
}

const COLUMNS = 'account_id, id, display_name, email, role, created_at, last_seen_at'

function ms(v: Date | string): number {
  return v instanceof Date ? v.getTime() : new Date(v).getTime()
}

function toUser(r: UserRow): UserRecord {
  return {
    accountId: r.account_id,
    id: r.id,
    displayName: r.display_name,
    email: r.email,
    role: r.role,
    createdAt: ms(r.created_at),
    lastSeenAt: ms(r.last_seen_at),
  }
}

const RANK_SQL = (col: string): string => `(case ${col} when 'admin' then 3 when 'supervisor' then 2 else 1 end)`

export interface UpsertUserInput {
  accountId: string
  userId: string
  displayName?: string | null
  email?: string | null
  /** Set the role exactly (dev sign-in). */
  role?: Role
  /** Raise the role to at least this one, never lower it (bootstrap lists). */
  minRole?: Role
}

/** Creates the account and the user on first sight; refreshes name and last-seen otherwise. */
export async function upsertUser(db: Db, input: UpsertUserInput): Promise<UserRecord> {
  await db.query('insert into accounts (id) values ($1) on conflict (id) do nothing', [input.accountId])
  const initial = input.role ?? input.minRole ?? 'agent'
  const roleOnConflict = input.role !== undefined
    ? 'excluded.role'
    : input.minRole !== undefined
      ? `case when ${RANK_SQL('excluded.role')} > ${RANK_SQL('users.role')} then excluded.role else users.role end`
      : 'users.role'
  const res = await db.query<UserRow>(
    `insert into users (account_id, id, display_name, email, role)
     values ($1, $2, $3, $4, $5)
     on conflict (account_id, id) do update set
       display_name = coalesce(excluded.display_name, users.display_name),
       email = coalesce(excluded.email, users.email),
       role = ${roleOnConflict},
       last_seen_at = now()
     returning ${COLUMNS}`,
    [input.accountId, input.userId, input.displayName ?? null, input.email ?? null, initial],
  )
  return toUser(res.rows[0]!)
}

export async function getUser(db: Db, accountId: string, userId: string): Promise<UserRecord | null> {
  const res = await db.query<UserRow>(
    `select ${COLUMNS} from users where account_id = $1 and id = $2`,
    [accountId, userId],
  )
  const row = res.rows[0]
  return row ? toUser(row) : null
}

export async function listUsers(db: Db, accountId: string): Promise<UserRecord[]> {
  const res = await db.query<UserRow>(
    `select ${COLUMNS} from users where account_id = $1 order by lower(coalesce(display_name, id)), id`,
    [accountId],
  )
  return res.rows.map(toUser)
}

/** Returns the updated user, or null when the user is not in that account. */
export async function setRole(db: Db, accountId: string, userId: string, role: Role): Promise<UserRecord | null> {
  const res = await db.query<UserRow>(
    `update users set role = $3 where account_id = $1 and id = $2 returning ${COLUMNS}`,
    [accountId, userId, role],
  )
  const row = res.rows[0]
  return row ? toUser(row) : null
}

export async function countAdmins(db: Db, accountId: string): Promise<number> {
  const res = await db.query<{ n: number | string }>(
    `select count(*)::int as n from users where account_id = $1 and role = 'admin'`,
    [accountId],
  )
  return Number(res.rows[0]?.n ?? 0)
}

/**
 * Removes a user from the account: the row, their stored Zoom tokens and their account binding.
 * Their engagements and notes stay (history). Opening the app from Zoom again starts over: an
 * agent, and in a multi-tenant deployment only after connecting through in-client OAuth again.
 */
export async function deleteUser(db: Db, accountId: string, userId: string): Promise<boolean> {
  await db.query('delete from oauth_tokens where account_id = $1 and user_id = $2', [accountId, userId])
  await db.query('delete from zoom_identities where account_id = $1 and zoom_user_id = $2', [accountId, userId])
  const res = await db.query('delete from users where account_id = $1 and id = $2', [accountId, userId])
  return res.rowCount > 0
}
