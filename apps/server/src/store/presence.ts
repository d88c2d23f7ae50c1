/**
 * Sessions online per node, in the `presence` table so every node's boards count the whole
 * cluster. A node refreshes its rows on a heartbeat; rows not seen for `STALE_MS` (a crashed
 * node) no longer count and are swept.
 */
import type { AgentView, Role } from '@switchboard/protocol'
import { contactCenterOf, type StatusRow } from '../zoom/user-status.ts'
import type { Db } from './port.ts'

export const PRESENCE_HEARTBEAT_MS = 10_000
export const STALE_MS = 35_000

/** A session that said hello on a node. */
export interface PresenceEntry {
  sessionId: string
  nodeId: string
  accountId: string
  userId: string
  role: Role
  surface: 'agent' | 'supervisor' | 'other'
}

export async function joinPresence(db: Db, p: PresenceEntry): Promise<void> {
  await db.query(
    `insert into presence (session_id, node_id, account_id, user_id, role, surface)
     values ($1, $2, $3, $4, $5, $6) on conflict (session_id) do update set seen_at = now()`,
    [p.sessionId, p.nodeId, p.accountId, p.userId, p.role, p.surface])
}

export async function leavePresence(db: Db, sessionId: string): Promise<void> {
  await db.query('delete from presence where session_id = $1', [sessionId])
}

/** Refreshes this node's rows and sweeps stale ones; returns the (account, user) pairs swept. */
export async function presenceHeartbeat(db: Db, nodeId: string): Promise<[string, string][]> {
  await db.query('update presence set seen_at = now() where node_id = $1', [nodeId])
  const swept = await db.query<{ account_id: string; user_id: string }>(
    `delete from presence where seen_at < now() - ($1::int * interval '1 millisecond') returning account_id, user_id`, [STALE_MS])
  return swept.rows.map((r) => [r.account_id, r.user_id])
}

/** A restarted node's old rows are gone sessions. */
export async function clearNodePresence(db: Db, nodeId: string): Promise<void> {
  await db.query('delete from presence where node_id = $1', [nodeId])
}

interface RosterRow extends Partial<StatusRow> {
  id: string; display_name: string | null; role: AgentView['role']; sessions: number
  focus: string | null; open: number; last_activity: number | null
}

/**
 * The roster of an account (or only `userIds`): sessions online across nodes, focus, open
 * engagements, and the Contact Center status Zoom reported (`zoom_user_status`).
 */
export async function roster(db: Db, accountId: string, userIds?: readonly string[]): Promise<AgentView[]> {
  const res = await db.query<RosterRow>(
    `select u.id, u.display_name, u.role,
       (select count(*) from presence p where p.account_id = u.account_id and p.user_id = u.id
          and p.seen_at > now() - ($3::int * interval '1 millisecond')) as sessions,
       (select p.focus_engagement_id from presence p where p.account_id = u.account_id and p.user_id = u.id
          and p.focus_at is not null order by p.focus_at desc limit 1) as focus,
       (select count(*) from engagements e where e.account_id = u.account_id and e.agent_id = u.id and e.ended_at is null) as open,
       (extract(epoch from greatest(u.last_seen_at,
          (select max(e.updated_at) from engagements e where e.account_id = u.account_id and e.agent_id = u.id))) * 1000)::int8 as last_activity,
       z.status_name, z.status_id, z.sub_status_name, z.sub_status_id, z.logged_in,
       (extract(epoch from z.status_at) * 1000)::int8 as status_at
     from users u
     left join zoom_user_status z on z.account_id = u.account_id and z.user_id = u.id
     where u.account_id = $1 and ($2::jsonb is null or u.id in (select jsonb_array_elements_text($2::jsonb)))
     order by u.display_name nulls last, u.id
     limit 2000`,
    [accountId, userIds ? JSON.stringify(userIds) : null, STALE_MS])
  return res.rows.map((r) => ({
    id: r.id, displayName: r.display_name, role: r.role, online: Number(r.sessions) > 0, sessions: Number(r.sessions),
    focusEngagementId: r.focus, openEngagements: Number(r.open), lastActivityAt: r.last_activity === null ? null : Number(r.last_activity),
    contactCenter: contactCenterOf(r),
  }))
}
