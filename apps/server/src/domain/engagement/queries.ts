/**
 * SQL for the engagement projection and log. Every function takes the executor first
 * (pool or transaction). Bulk statements pass one jsonb parameter and expand it with
 * `jsonb_to_recordset`, so a batch of any size is one round trip with constant SQL text.
 */
import type { EngagementView, LogEvent } from '@switchboard/protocol'
import type { Db, Tx } from '../../store/port.ts'
import type { Engagement, EventKind } from './model.ts'

const ms = (col: string) => `(extract(epoch from e.${col}) * 1000)::int8 as ${col}`

export const ENGAGEMENT_COLUMNS = [
  'e.account_id', 'e.id', 'e.agent_id', 'u.display_name as agent_name', 'e.state', 'e.channel', 'e.source',
  'e.queue_id', 'e.queue_name', 'e.is_conference', 'e.is_transfer', 'e.transfer', 'e.consumers', 'e.variables',
  ms('started_at'), ms('accepted_at'), ms('state_since'), ms('wrapup_started_at'), ms('ended_at'),
  'e.handle_ms', 'e.wrapup_ms', 'e.help', 'e.notes_preview', 'e.sources', 'e.last_seq', ms('updated_at'),
].join(', ')

export const ENGAGEMENT_FROM = 'engagements e left join users u on u.account_id = e.account_id and u.id = e.agent_id'

export interface EngagementRow {
  account_id: string; id: string; agent_id: string; agent_name: string | null
  state: Engagement['state']; channel: string | null; source: string | null
  queue_id: string | null; queue_name: string | null; is_conference: boolean; is_transfer: boolean
  transfer: Engagement['transfer']; consumers: Engagement['consumers']; variables: Engagement['variables']
  started_at: number | null; accepted_at: number | null; state_since: number | null
  wrapup_started_at: number | null; ended_at: number | null; handle_ms: number | null; wrapup_ms: number | null
  help: Engagement['help']; notes_preview: string; sources: Engagement['sources'] | null; last_seq: number; updated_at: number
}

export function fromRow(r: EngagementRow): Engagement {
  return {
    accountId: r.account_id, id: r.id, agentId: r.agent_id, agentName: r.agent_name,
    state: r.state, channel: r.channel, source: r.source, queueId: r.queue_id, queueName: r.queue_name,
    isConference: r.is_conference, isTransfer: r.is_transfer, transfer: r.transfer,
    consumers: r.consumers ?? [], variables: r.variables ?? {},
    startedAt: num(r.started_at), acceptedAt: num(r.accepted_at), stateSince: num(r.state_since),
    wrapupStartedAt: num(r.wrapup_started_at), endedAt: num(r.ended_at),
    handleMs: num(r.handle_ms), wrapupMs: num(r.wrapup_ms), help: r.help,
    notesPreview: r.notes_preview, sources: r.sources ?? [], lastSeq: Number(r.last_seq), updatedAt: Number(r.updated_at),
  }
}

function num(v: number | string | null): number | null {
  return v === null ? null : Number(v)
}

export function toView(e: Engagement): EngagementView {
  const { accountId: _a, agentName, ...rest } = e
  return agentName ? { ...rest, agentName } : rest
}

export function key(accountId: string, engagementId: string): string {
  return `${accountId}\u0000${engagementId}`
}

export async function getEngagement(db: Db, accountId: string, id: string): Promise<Engagement | null> {
  const res = await db.query<EngagementRow>(
    `select ${ENGAGEMENT_COLUMNS} from ${ENGAGEMENT_FROM} where e.account_id = $1 and e.id = $2`, [accountId, id])
  return res.rows[0] ? fromRow(res.rows[0]) : null
}

export async function getEngagements(db: Db, ids: readonly { a: string; i: string }[]): Promise<Engagement[]> {
  if (ids.length === 0) return []
  const res = await db.query<EngagementRow>(
    `select ${ENGAGEMENT_COLUMNS} from ${ENGAGEMENT_FROM}
     join jsonb_to_recordset($1::jsonb) as k(a text, i text) on e.account_id = k.a and e.id = k.i`, [JSON.stringify(ids)])
  return res.rows.map(fromRow)
}

function byKey(x: { a: string; i: string }, y: { a: string; i: string }): number {
  return x.a < y.a ? -1 : x.a > y.a ? 1 : x.i < y.i ? -1 : x.i > y.i ? 1 : 0
}

/** Creates missing engagements (sorted ids) and locks every listed row in sorted order. */
export async function lockEngagements(
  tx: Db, ids: readonly { a: string; i: string }[], creates: readonly { a: string; i: string; g: string }[],
): Promise<Map<string, Engagement>> {
  if (creates.length > 0) {
    await tx.query(
      `insert into engagements (account_id, id, agent_id)
       select k.a, k.i, k.g from jsonb_to_recordset($1::jsonb) as k(a text, i text, g text)
       order by k.a, k.i on conflict do nothing`, [JSON.stringify([...creates].sort(byKey))])
  }
  const res = await tx.query<EngagementRow>(
    `select ${ENGAGEMENT_COLUMNS} from ${ENGAGEMENT_FROM}
     join jsonb_to_recordset($1::jsonb) as k(a text, i text) on e.account_id = k.a and e.id = k.i
     order by e.account_id, e.id for update of e`, [JSON.stringify([...ids].sort(byKey))])
  const out = new Map<string, Engagement>()
  for (const r of res.rows) out.set(key(r.account_id, r.id), fromRow(r))
  return out
}

function projectionRows(list: readonly Engagement[]): string {
  return JSON.stringify(list.map((e) => ({
    a: e.accountId, i: e.id, agent_id: e.agentId, state: e.state, channel: e.channel, source: e.source,
    queue_id: e.queueId, queue_name: e.queueName, is_conference: e.isConference, is_transfer: e.isTransfer,
    transfer: e.transfer, consumers: e.consumers, variables: e.variables,
    started_at: e.startedAt, accepted_at: e.acceptedAt, state_since: e.stateSince,
    wrapup_started_at: e.wrapupStartedAt, ended_at: e.endedAt, handle_ms: e.handleMs, wrapup_ms: e.wrapupMs,
    help: e.help, notes_preview: e.notesPreview, sources: e.sources, last_seq: e.lastSeq, updated_at: e.updatedAt,
  })))
}

const ts = (c: string) => `${c} = to_timestamp(v.${c} / 1000.0)`
const UPDATE_PROJECTIONS = (param: string) =>
  `update engagements e set agent_id = v.agent_id, state = v.state, channel = v.channel, source = v.source,
     queue_id = v.queue_id, queue_name = v.queue_name, is_conference = v.is_conference, is_transfer = v.is_transfer,
     transfer = v.transfer, consumers = coalesce(v.consumers, '[]'::jsonb), variables = coalesce(v.variables, '{}'::jsonb),
     ${ts('started_at')}, ${ts('accepted_at')}, ${ts('state_since')}, ${ts('wrapup_started_at')}, ${ts('ended_at')},
     handle_ms = v.handle_ms, wrapup_ms = v.wrapup_ms, help = v.help, notes_preview = v.notes_preview,
     sources = coalesce(v.sources, '[]'::jsonb),
     last_seq = v.last_seq, ${ts('updated_at')}
   from jsonb_to_recordset(${param}::jsonb) as v(a text, i text, agent_id text, state text, channel text, source text,
     queue_id text, queue_name text, is_conference boolean, is_transfer boolean, transfer jsonb, consumers jsonb,
     variables jsonb, started_at float8, accepted_at float8, state_since float8, wrapup_started_at float8,
     ended_at float8, handle_ms int8, wrapup_ms int8, help jsonb, notes_preview text, sources jsonb, last_seq int8, updated_at float8)
   where e.account_id = v.a and e.id = v.i`

/** A log row with its seq, as committed (times epoch ms). */
export interface LogRow {
  accountId: string
  engagementId: string
  seq: number
  kind: EventKind
  actorId: string
  opId: string
  dedupKey: string | null
  data: Record<string, unknown>
  update?: string
  at: number
}

function eventRows(rows: readonly LogRow[]): string {
  return JSON.stringify(rows.map((r) => ({
    a: r.accountId, e: r.engagementId, s: r.seq, k: r.kind, actor: r.actorId, op: r.opId, dk: r.dedupKey,
    d: r.data, u: r.update ?? null, at: r.at,
  })))
}

const INSERT_EVENTS = (param: string) =>
  `insert into engagement_events (account_id, engagement_id, seq, kind, actor_id, op_id, dedup_key, data, doc_update, created_at)
   select v.a, v.e, v.s, v.k, v.actor, v.op, v.dk, coalesce(v.d, '{}'::jsonb), decode(v.u, 'base64'), to_timestamp(v.at / 1000.0)
   from jsonb_to_recordset(${param}::jsonb) as v(a text, e text, s int8, k text, actor text, op text, dk text, d jsonb, u text, at float8)`

/**
 * A batch's writes in one statement, sent with COMMIT (one round trip on the pg write lane):
 * log rows, projections, session focus, and the bus NOTIFY payloads (sent at COMMIT).
 */
export async function writeBatchAndCommit(
  tx: Tx, rows: readonly LogRow[], projections: readonly Engagement[], focus: readonly { s: string; f: string }[],
  notify: { channel: string; payloads: string[] } | null,
): Promise<void> {
  await tx.commitWith(
    `with ins as (${INSERT_EVENTS('$1')}),
     upd as (${UPDATE_PROJECTIONS('$2')}),
     foc as (update presence p set focus_engagement_id = k.f, focus_at = now()
       from jsonb_to_recordset($3::jsonb) as k(s text, f text) where p.session_id = k.s)
     select pg_notify($4, p) from jsonb_array_elements_text($5::jsonb) as p`,
    [eventRows(rows), projectionRows(projections), JSON.stringify(focus), notify?.channel ?? 'none', JSON.stringify(notify?.payloads ?? [])])
}

export interface PriorRow { kind: 'op' | 'dk'; a: string; e: string; seq: number; actor: string; ref: string }

/**
 * A batch's reads in one statement (one round trip): lock the touched engagements in sorted
 * order, and find op ids and dedup keys already in the log.
 */
export async function readForBatch(
  tx: Db, ids: readonly { a: string; i: string }[],
  ops: readonly { a: string; actor: string; op: string }[], keys: readonly { a: string; e: string; dk: string }[],
): Promise<{ locked: Map<string, Engagement>; prior: PriorRow[] }> {
  const res = await tx.query<{ t: 'e' | 'op' | 'dk'; j: EngagementRow & PriorRow }>(
    `with locked as (
       select ${ENGAGEMENT_COLUMNS} from ${ENGAGEMENT_FROM}
       join jsonb_to_recordset($1::jsonb) as k(a text, i text) on e.account_id = k.a and e.id = k.i
       order by e.account_id, e.id for update of e
     )
     select 'e' as t, to_jsonb(l) as j from locked l
     union all
     select 'op', jsonb_build_object('a', ev.account_id, 'e', ev.engagement_id, 'seq', ev.seq, 'actor', ev.actor_id, 'ref', ev.op_id)
       from engagement_events ev join jsonb_to_recordset($2::jsonb) as k(a text, actor text, op text)
       on ev.account_id = k.a and ev.actor_id = k.actor and ev.op_id = k.op
     union all
     select 'dk', jsonb_build_object('a', ev.account_id, 'e', ev.engagement_id, 'seq', ev.seq, 'actor', ev.actor_id, 'ref', ev.dedup_key)
       from engagement_events ev join jsonb_to_recordset($3::jsonb) as k(a text, e text, dk text)
       on ev.account_id = k.a and ev.engagement_id = k.e and ev.dedup_key = k.dk`,
    [JSON.stringify([...ids].sort(byKey)), JSON.stringify(ops), JSON.stringify(keys)])
  const locked = new Map<string, Engagement>()
  const prior: PriorRow[] = []
  for (const r of res.rows) {
    if (r.t === 'e') locked.set(key(r.j.account_id, r.j.id), fromRow(r.j))
    else prior.push({ kind: r.t, a: r.j.a, e: r.j.e, seq: Number(r.j.seq), actor: r.j.actor, ref: r.j.ref })
  }
  return { locked, prior }
}

/** Creates engagements first observed (sorted, so concurrent creators cannot deadlock); returns the keys created. */
export async function createEngagements(tx: Db, creates: readonly { a: string; i: string; g: string }[]): Promise<Set<string>> {
  const res = await tx.query<{ account_id: string; id: string }>(
    `insert into engagements (account_id, id, agent_id)
     select k.a, k.i, k.g from jsonb_to_recordset($1::jsonb) as k(a text, i text, g text)
     order by k.a, k.i on conflict do nothing returning account_id, id`, [JSON.stringify([...creates].sort(byKey))])
  return new Set(res.rows.map((r) => key(r.account_id, r.id)))
}

interface EventRow {
  account_id: string; engagement_id: string; seq: number; kind: EventKind; actor_id: string; op_id: string
  data: Record<string, unknown>; doc_update: Uint8Array | null; at: number
}

const EVENT_COLUMNS = `ev.account_id, ev.engagement_id, ev.seq, ev.kind, ev.actor_id, ev.op_id, ev.data, ev.doc_update,
  (extract(epoch from ev.created_at) * 1000)::int8 as at`

function toLogRow(r: EventRow): LogRow {
  const row: LogRow = {
    accountId: r.account_id, engagementId: r.engagement_id, seq: Number(r.seq), kind: r.kind, actorId: r.actor_id,
    opId: r.op_id, dedupKey: null, data: r.data ?? {}, at: Number(r.at),
  }
  if (r.doc_update) row.update = Buffer.from(r.doc_update).toString('base64')
  return row
}

export function toLogEvent(r: LogRow): LogEvent {
  const ev: LogEvent = { seq: r.seq, kind: r.kind, actorId: r.actorId, opId: r.opId, at: r.at, data: r.data }
  if (r.update !== undefined) ev.update = r.update
  return ev
}

/** Log rows after `after` (exclusive) up to `upTo` (inclusive, optional) for several engagements, in seq order. */
export async function readEventsAfter(
  db: Db, list: readonly { a: string; e: string; after: number; upTo?: number | null }[], opts: { kinds?: EventKind[] } = {},
): Promise<LogRow[]> {
  if (list.length === 0) return []
  // LATERAL: one primary-key range scan per engagement (a plain join would hash the whole log).
  const res = await db.query<EventRow>(
    `select ev.* from jsonb_to_recordset($1::jsonb) as k(a text, e text, after int8, "upTo" int8)
     cross join lateral (
       select ${EVENT_COLUMNS} from engagement_events ev
       where ev.account_id = k.a and ev.engagement_id = k.e
         and ev.seq > k.after and ev.seq <= coalesce(k."upTo", 9223372036854775807)
         and ($2::jsonb is null or ev.kind in (select jsonb_array_elements_text($2::jsonb)))
       order by ev.seq
     ) ev
     order by ev.account_id, ev.engagement_id, ev.seq`,
    [JSON.stringify(list), opts.kinds ? JSON.stringify(opts.kinds) : null])
  return res.rows.map(toLogRow)
}
