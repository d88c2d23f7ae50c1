/**
 * SQL for the engagement projection and log (`engagements`, `engagement_events`). Every function
 * takes the executor first (pool or transaction). Bulk statements pass one jsonb parameter and
 * expand it with `jsonb_to_recordset`, so a batch of any size is one round trip with constant SQL
 * text; the JSON keys there are the statement's column names, not part of this module's API.
 */
import type { EngagementExportQuery } from '@switchboard/protocol/rest'
import type { SessionUser, Wrapup } from '@switchboard/protocol'
import { key, type Engagement, type EventKind, type LogRow } from '../domain/engagement/model.ts'
import type { Db, Tx } from './port.ts'

/** One engagement by its key. */
export interface EngagementRef { accountId: string; engagementId: string }
/** An engagement to create, owned by `agentId`. */
export interface NewEngagement extends EngagementRef { agentId: string }
/** Log rows of one engagement after `afterSeq` (exclusive), up to `upToSeq` (inclusive) when given. */
export interface LogRange extends EngagementRef { afterSeq: number; upToSeq?: number | null }

/**
 * How a projection column is stored: `ms` a timestamptz read and written as epoch ms, `int` an
 * int8, `json` a jsonb (with the value an absent one reads as, when it has one).
 */
type ColumnKind = { kind: 'text' | 'bool' | 'ms' | 'int' } | { kind: 'json'; empty?: '[]' | '{}' }

/** The projection's columns (`engagements`), one per `Engagement` field the log maintains. */
interface Column { name: string; type: ColumnKind }

const col = (name: string, kind: 'text' | 'bool' | 'ms' | 'int'): Column => ({ name, type: { kind } })
const json = (name: string, empty?: '[]' | '{}'): Column => ({ name, type: empty === undefined ? { kind: 'json' } : { kind: 'json', empty } })

/**
 * The one table of the engagement projection: the select list, the row mapping and the bulk
 * update all come from it. Keyed by `Engagement`'s fields (the protocol's `EngagementView` plus
 * the account), so a field added to the view does not compile until it has a column here (and a
 * migration); `accountId`/`id` are the key and `agentName` is joined from `users`.
 */
const PROJECTION = {
  agentId: col('agent_id', 'text'),
  state: col('state', 'text'),
  channel: col('channel', 'text'),
  source: col('source', 'text'),
  queueId: col('queue_id', 'text'),
  queueName: col('queue_name', 'text'),
  isConference: col('is_conference', 'bool'),
  isTransfer: col('is_transfer', 'bool'),
  transfer: json('transfer'),
  consumers: json('consumers', '[]'),
  variables: json('variables', '{}'),
  startedAt: col('started_at', 'ms'),
  acceptedAt: col('accepted_at', 'ms'),
  stateSince: col('state_since', 'ms'),
  wrapupStartedAt: col('wrapup_started_at', 'ms'),
  endedAt: col('ended_at', 'ms'),
  handleMs: col('handle_ms', 'int'),
  wrapupMs: col('wrapup_ms', 'int'),
  help: json('help'),
  notesPreview: col('notes_preview', 'text'),
  sources: json('sources', '[]'),
  lastSeq: col('last_seq', 'int'),
  updatedAt: col('updated_at', 'ms'),
} satisfies Record<Exclude<keyof Engagement, 'accountId' | 'id' | 'agentName'>, Column>

const FIELDS = Object.entries(PROJECTION) as [keyof typeof PROJECTION, Column][]

const ENGAGEMENT_COLUMNS = [
  'e.account_id', 'e.id', 'u.display_name as agent_name',
  ...FIELDS.map(([, c]) => (c.type.kind === 'ms' ? `(extract(epoch from e.${c.name}) * 1000)::int8 as ${c.name}` : `e.${c.name}`)),
].join(', ')

const ENGAGEMENT_FROM = 'engagements e left join users u on u.account_id = e.account_id and u.id = e.agent_id'

/** A row of the select list: the key, the joined agent name, and one value per projection column. */
type EngagementRow = { account_id: string; id: string; agent_name: string | null } & Record<string, unknown>

function fromRow(r: EngagementRow): Engagement {
  const e: Record<string, unknown> = { accountId: r.account_id, id: r.id, agentName: r.agent_name }
  for (const [field, c] of FIELDS) {
    const v = r[c.name] ?? null
    const t = c.type
    // int8 arrives as a number (or a string past 2^53); jsonb arrays and objects read as empty when null.
    e[field] = t.kind === 'ms' || t.kind === 'int' ? (v === null ? null : Number(v))
      : t.kind === 'json' && t.empty !== undefined && v === null ? (t.empty === '[]' ? [] : {})
        : v
  }
  return e as unknown as Engagement
}

/** Refs as the statements' jsonb rows (`a` account, `i` engagement). */
function refRows(refs: readonly EngagementRef[]): string {
  return JSON.stringify(refs.map((r) => ({ a: r.accountId, i: r.engagementId })).sort(byKey))
}

function byKey(x: { a: string; i: string }, y: { a: string; i: string }): number {
  return x.a < y.a ? -1 : x.a > y.a ? 1 : x.i < y.i ? -1 : x.i > y.i ? 1 : 0
}

export async function getEngagement(db: Db, accountId: string, engagementId: string): Promise<Engagement | null> {
  const res = await db.query<EngagementRow>(
    `select ${ENGAGEMENT_COLUMNS} from ${ENGAGEMENT_FROM} where e.account_id = $1 and e.id = $2`, [accountId, engagementId])
  return res.rows[0] ? fromRow(res.rows[0]) : null
}

export async function getEngagements(db: Db, refs: readonly EngagementRef[]): Promise<Engagement[]> {
  if (refs.length === 0) return []
  const res = await db.query<EngagementRow>(
    `select ${ENGAGEMENT_COLUMNS} from ${ENGAGEMENT_FROM}
     join jsonb_to_recordset($1::jsonb) as k(a text, i text) on e.account_id = k.a and e.id = k.i`, [refRows(refs)])
  return res.rows.map(fromRow)
}

/** An agent's open engagements, most recently changed first (what an agent session gets after welcome). */
export async function openEngagementsOf(db: Db, accountId: string, agentId: string, limit: number): Promise<Engagement[]> {
  const res = await db.query<EngagementRow>(
    `select ${ENGAGEMENT_COLUMNS} from ${ENGAGEMENT_FROM}
     where e.account_id = $1 and e.agent_id = $2 and e.ended_at is null and e.last_seq > 0
     order by e.updated_at desc limit $3`, [accountId, agentId, limit])
  return res.rows.map(fromRow)
}

/** An account's live engagements, most recently changed first (a board's snapshot). */
export async function liveEngagements(db: Db, accountId: string, limit: number): Promise<Engagement[]> {
  const res = await db.query<EngagementRow>(
    `select ${ENGAGEMENT_COLUMNS} from ${ENGAGEMENT_FROM}
     where e.account_id = $1 and e.ended_at is null and e.last_seq > 0
     order by e.updated_at desc limit $2`, [accountId, limit])
  return res.rows.map(fromRow)
}

/** Creates missing engagements (sorted) and locks every listed row in sorted order. */
export async function lockEngagements(
  tx: Db, refs: readonly EngagementRef[], creates: readonly NewEngagement[],
): Promise<Map<string, Engagement>> {
  if (creates.length > 0) await createEngagements(tx, creates)
  const res = await tx.query<EngagementRow>(
    `select ${ENGAGEMENT_COLUMNS} from ${ENGAGEMENT_FROM}
     join jsonb_to_recordset($1::jsonb) as k(a text, i text) on e.account_id = k.a and e.id = k.i
     order by e.account_id, e.id for update of e`, [refRows(refs)])
  const out = new Map<string, Engagement>()
  for (const r of res.rows) out.set(key(r.account_id, r.id), fromRow(r))
  return out
}

/** What `createEngagements` did with each key: created, or refused because the account erased it. */
export interface Creation {
  created: Set<string>
  /** listed in the account's `erasures`: an erased engagement is never created again */
  erased: Set<string>
}

/**
 * Creates engagements first observed (sorted, so concurrent creators cannot deadlock), except
 * those the account erased (`erasures.engagement_ids`): an erased engagement is never created
 * again. The audit rows naming any of the ids are found once, through the GIN index
 * (`&&` on the whole list); the lookup runs only here, for ids that have no row. A key in neither
 * set already had a row (another writer created it meanwhile). One statement.
 */
export async function createEngagements(tx: Db, creates: readonly NewEngagement[]): Promise<Creation> {
  const rows = creates.map((c) => ({ a: c.accountId, i: c.engagementId, g: c.agentId })).sort(byKey)
  const res = await tx.query<{ account_id: string; id: string; erased: boolean }>(
    `with k as (
       select k.a, k.i, k.g from jsonb_to_recordset($1::jsonb) as k(a text, i text, g text)
     ),
     gone as (
       select x.account_id, x.engagement_ids from erasures x where x.engagement_ids && (select array_agg(k.i) from k)
     ),
     marked as (
       select k.a, k.i, k.g,
         exists (select 1 from gone where gone.account_id = k.a and k.i = any(gone.engagement_ids)) as erased
       from k
     ),
     ins as (
       insert into engagements (account_id, id, agent_id)
       select m.a, m.i, m.g from marked m where not m.erased
       order by m.a, m.i on conflict do nothing returning account_id, id
     )
     select account_id, id, false as erased from ins
     union all
     select m.a, m.i, true from marked m where m.erased`, [JSON.stringify(rows)])
  const out: Creation = { created: new Set(), erased: new Set() }
  for (const r of res.rows) (r.erased ? out.erased : out.created).add(key(r.account_id, r.id))
  return out
}

function projectionRows(list: readonly Engagement[]): string {
  return JSON.stringify(list.map((e) => {
    const row: Record<string, unknown> = { a: e.accountId, i: e.id }
    for (const [field, c] of FIELDS) row[c.name] = e[field]
    return row
  }))
}

const RECORD_TYPE = { text: 'text', bool: 'boolean', ms: 'float8', int: 'int8', json: 'jsonb' } as const

/** One statement updating many projections from a jsonb array of `projectionRows`. */
const UPDATE_PROJECTIONS = (param: string) =>
  `update engagements e set ${FIELDS.map(([, c]) => {
    const t = c.type
    if (t.kind === 'ms') return `${c.name} = to_timestamp(v.${c.name} / 1000.0)`
    if (t.kind === 'json' && t.empty !== undefined) return `${c.name} = coalesce(v.${c.name}, '${t.empty}'::jsonb)`
    return `${c.name} = v.${c.name}`
  }).join(', ')}
   from jsonb_to_recordset(${param}::jsonb) as v(a text, i text, ${FIELDS.map(([, c]) => `${c.name} ${RECORD_TYPE[c.type.kind]}`).join(', ')})
   where e.account_id = v.a and e.id = v.i`

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

/** Projections whose batch only moved `lastSeq`, `updatedAt` and the notes preview. */
function progressRows(list: readonly Engagement[]): string {
  return JSON.stringify(list.map((e) => ({ a: e.accountId, i: e.id, p: e.notesPreview, s: e.lastSeq, t: e.updatedAt })))
}

/**
 * A batch's writes in one statement, sent with COMMIT (one round trip on the pg write lane):
 * log rows, projections, session focus, and the bus NOTIFY payloads (sent at COMMIT).
 * `progressed` are engagements whose rows in this batch change nothing but `lastSeq`,
 * `updatedAt` and the notes preview (notes, whispers, read receipts: typing, mostly): three
 * columns written instead of every one.
 */
export async function writeBatchAndCommit(
  tx: Tx, rows: readonly LogRow[], projections: readonly Engagement[], progressed: readonly Engagement[],
  focus: readonly SessionFocus[], notify: { channel: string; payloads: string[] } | null,
): Promise<void> {
  await tx.commitWith(
    `with ins as (${INSERT_EVENTS('$1')}),
     upd as (${UPDATE_PROJECTIONS('$2')}),
     prg as (update engagements e set notes_preview = v.p, last_seq = v.s, updated_at = to_timestamp(v.t / 1000.0)
       from jsonb_to_recordset($6::jsonb) as v(a text, i text, p text, s int8, t float8) where e.account_id = v.a and e.id = v.i),
     foc as (update presence p set focus_engagement_id = k.f, focus_at = now()
       from jsonb_to_recordset($3::jsonb) as k(s text, f text) where p.session_id = k.s)
     select pg_notify($4, p) from jsonb_array_elements_text($5::jsonb) as p`,
    [eventRows(rows), projectionRows(projections), JSON.stringify(focus.map((f) => ({ s: f.sessionId, f: f.engagementId }))),
      notify?.channel ?? 'none', JSON.stringify(notify?.payloads ?? []), progressRows(progressed)])
}

/** A repeated op id or dedup key found in the log, with the row that recorded it. */
export interface PriorRow {
  kind: 'op' | 'dedupKey'
  accountId: string
  engagementId: string
  seq: number
  actorId: string
  /** the op id or the dedup key */
  ref: string
}

/** An op id to look up (op ids are unique per actor). */
export interface OpRef { accountId: string; actorId: string; opId: string }
/** A dedup key to look up in one engagement's log. */
export interface DedupRef extends EngagementRef { dedupKey: string }
/** A session now showing an engagement. */
export interface SessionFocus { sessionId: string; engagementId: string }

/**
 * A batch's reads in one statement (one round trip): lock the touched engagements in sorted
 * order, and find op ids and dedup keys already in the log.
 */
export async function readForBatch(
  tx: Db, refs: readonly EngagementRef[], ops: readonly OpRef[], keys: readonly DedupRef[],
): Promise<{ locked: Map<string, Engagement>; prior: PriorRow[] }> {
  const res = await tx.query<{ t: 'e' | 'op' | 'dk'; j: EngagementRow & { a: string; e: string; seq: number; actor: string; ref: string } }>(
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
    [refRows(refs), JSON.stringify(ops.map((o) => ({ a: o.accountId, actor: o.actorId, op: o.opId }))),
      JSON.stringify(keys.map((k) => ({ a: k.accountId, e: k.engagementId, dk: k.dedupKey })))])
  const locked = new Map<string, Engagement>()
  const prior: PriorRow[] = []
  for (const r of res.rows) {
    if (r.t === 'e') locked.set(key(r.j.account_id, r.j.id), fromRow(r.j))
    else prior.push({ kind: r.t === 'op' ? 'op' : 'dedupKey', accountId: r.j.a, engagementId: r.j.e, seq: Number(r.j.seq), actorId: r.j.actor, ref: r.j.ref })
  }
  return { locked, prior }
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

/** Log rows in `ranges` (per engagement, seq order), optionally only of `kinds`. */
export async function readEventsAfter(db: Db, ranges: readonly LogRange[], opts: { kinds?: EventKind[] } = {}): Promise<LogRow[]> {
  if (ranges.length === 0) return []
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
    [JSON.stringify(ranges.map((r) => ({ a: r.accountId, e: r.engagementId, after: r.afterSeq, upTo: r.upToSeq ?? null }))),
      opts.kinds ? JSON.stringify(opts.kinds) : null])
  return res.rows.map(toLogRow)
}

// ---- history: the engagement list and the CSV export ------------------------------------------

/** Position in the history order (last change at ms precision, then id, both descending). */
export interface HistoryCursor { orderMs: number; id: string }

/** Sort key of pages and cursors: last change (ms precision), then id. */
const ORDER_KEY = `date_trunc('milliseconds', e.updated_at)`

/**
 * The WHERE clause shared by the engagement list and the CSV export: always scoped by the
 * caller's account, and to the caller's own engagements when the caller is an agent.
 */
function historyWhere(user: SessionUser, f: EngagementExportQuery, cursor: HistoryCursor | null): { sql: string; params: unknown[] } {
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
    const u = p(cursor.orderMs)
    const i = p(cursor.id)
    where.push(`(${ORDER_KEY} < to_timestamp(${u}::float8 / 1000) or (${ORDER_KEY} = to_timestamp(${u}::float8 / 1000) and e.id < ${i}))`)
  }
  return { sql: where.join(' and '), params }
}

/** One engagement of a history page, with its position. */
export interface HistoryItem { engagement: Engagement; cursor: HistoryCursor }

/** Up to `limit` engagements the filters select for `user`, after `cursor`, in history order. */
export async function historyPage(
  db: Db, user: SessionUser, filters: EngagementExportQuery, cursor: HistoryCursor | null, limit: number,
): Promise<HistoryItem[]> {
  const { sql, params } = historyWhere(user, filters, cursor)
  const res = await db.query<EngagementRow & { order_ms: number }>(
    `select ${ENGAGEMENT_COLUMNS}, (extract(epoch from ${ORDER_KEY}) * 1000)::int8 as order_ms
     from ${ENGAGEMENT_FROM} where ${sql}
     order by ${ORDER_KEY} desc, e.id desc limit ${placeholder(params, limit)}`, params)
  return res.rows.map((r) => ({ engagement: fromRow(r), cursor: { orderMs: Number(r.order_ms), id: r.id } }))
}

/** A history page with each engagement's stored notes text and wrap-up (the CSV export). */
export async function historyPageWithNotes(
  db: Db, user: SessionUser, filters: EngagementExportQuery, cursor: HistoryCursor | null, limit: number,
): Promise<(HistoryItem & { notes: { text: string; wrapup: Wrapup } | null })[]> {
  const { sql, params } = historyWhere(user, filters, cursor)
  const res = await db.query<EngagementRow & { order_ms: number; plain_text: string | null; wrapup: Wrapup | null }>(
    `select ${ENGAGEMENT_COLUMNS}, (extract(epoch from ${ORDER_KEY}) * 1000)::int8 as order_ms,
       n.plain_text, n.wrapup
     from ${ENGAGEMENT_FROM}
     left join notes_docs n on n.account_id = e.account_id and n.engagement_id = e.id
     where ${sql} order by ${ORDER_KEY} desc, e.id desc limit ${placeholder(params, limit)}`, params)
  return res.rows.map((r) => ({
    engagement: fromRow(r), cursor: { orderMs: Number(r.order_ms), id: r.id },
    notes: r.plain_text === null && r.wrapup === null ? null : { text: r.plain_text ?? '', wrapup: r.wrapup ?? {} },
  }))
}

/** Appends `v` to `params` and returns its placeholder. */
function placeholder(params: unknown[], v: unknown): string {
  params.push(v)
  return `$${params.length}`
}
