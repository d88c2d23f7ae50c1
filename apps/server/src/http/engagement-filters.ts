/**
 * The WHERE clause shared by the engagement list and the CSV export: always scoped by the
 * caller's account, and to the caller's own engagements when the caller is an agent.
 */
import type { SessionUser } from '@switchboard/protocol'
import type { EngagementExportQuery } from '@switchboard/protocol/rest'

export interface Cursor { u: number; i: string }

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url')
}

/** Latest instant Postgres and JavaScript both represent (ms): the cursor's time never goes past it. */
const MAX_MS = 8.64e15

/**
 * A cursor from a client is untrusted input: exactly `{ u, i }` with `u` a whole number of
 * milliseconds in range and `i` an id, else null (400 VALIDATION_FAILED, never a database error).
 */
export function decodeCursor(s: string): Cursor | null {
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(s)) return null
  let c: unknown
  try {
    c = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'))
  } catch {
    return null
  }
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return null
  const { u, i, ...rest } = c as Record<string, unknown>
  if (Object.keys(rest).length > 0) return null
  if (typeof u !== 'number' || !Number.isSafeInteger(u) || u < 0 || u > MAX_MS) return null
  if (typeof i !== 'string' || i.length === 0 || i.length > 128) return null
  return { u, i }
}

/** Sort key used by pages and cursors: last change (ms precision), then id. */
export const ORDER_KEY = `date_trunc('milliseconds', e.updated_at)`

export function engagementWhere(user: SessionUser, f: EngagementExportQuery, cursor: Cursor | null): { sql: string; params: unknown[] } {
  const params: unknown[] = [user.accountId]
  const where = ['e.account_id = $1', 'e.last_seq > 0']
  const p = (v: unknown) => {
    params.push(v)
    return `$${params.length}`
  }
  if (user.role === 'agent') where.push(`e.agent_id = ${p(user.id)}`)
  else if (f.agentId) where.push(`e.agent_id = ${p(f.agentId)}`)
  if (f.state === 'live') where.push('e.ended_at is null')
  if (f.state === 'closed') where.push('e.ended_at is not null')
  if (f.queueId) where.push(`e.queue_id = ${p(f.queueId)}`)
  if (f.channel) where.push(`e.channel = ${p(f.channel)}`)
  if (f.from !== undefined) where.push(`coalesce(e.started_at, e.created_at) >= to_timestamp(${p(f.from)}::float8 / 1000)`)
  if (f.to !== undefined) where.push(`coalesce(e.started_at, e.created_at) < to_timestamp(${p(f.to)}::float8 / 1000)`)
  if (f.q) {
    where.push(`exists (select 1 from notes_docs n where n.account_id = e.account_id and n.engagement_id = e.id
      and n.search @@ plainto_tsquery('simple', ${p(f.q)}))`)
  }
  if (cursor) {
    const u = p(cursor.u)
    const i = p(cursor.i)
    where.push(`(${ORDER_KEY} < to_timestamp(${u}::float8 / 1000) or (${ORDER_KEY} = to_timestamp(${u}::float8 / 1000) and e.id < ${i}))`)
  }
  return { sql: where.join(' and '), params }
}
