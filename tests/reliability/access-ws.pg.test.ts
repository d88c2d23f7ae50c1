/**
 * Scenario 5a, the WebSocket access matrix: every client message type × caller (anonymous, the
 * agent, a colleague, a supervisor, an admin, another account's supervisor) × target (the agent's
 * own engagement, a colleague's, another account's). Each cell runs on fresh engagements; allowed
 * cells succeed and write exactly their row, refused ones get the documented code and write
 * nothing (every table counted before and after).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLOSE, ERRORS, clientMessageSchemas } from '@switchboard/protocol'
import { cleanup } from '../bench/cleanup.ts'
import { ACC1, ACC2, CALLERS, PEOPLE, TARGETS, expectedBoard, expectedWs, type Outcome, type SignedIn, type Target } from './lib/access.ts'
import { createRelDb, writeCounts, type RelDb } from './lib/db.ts'
import { record } from './lib/mode.ts'
import { startInProcess, type InProcess } from './lib/inproc.ts'
import { RawClient, opId, wsTokenFor, type Msg } from './lib/raw-client.ts'

let db: RelDb
let srv: InProcess
const conns = new Map<string, RawClient>()
const SIGNED_IN = CALLERS.filter((c): c is SignedIn => c !== 'anonymous')

beforeAll(async () => {
  db = await createRelDb()
  srv = await startInProcess(db)
  await db.seed(Object.values(PEOPLE).map((p) => ({ accountId: p.accountId, id: p.userId, name: p.userId, role: p.role })))
  for (const [name, who] of Object.entries(PEOPLE)) {
    conns.set(name, await RawClient.connect(srv.wsUrl, { token: wsTokenFor(srv.secret, who) }, who.role === 'agent' ? 'agent' : 'supervisor'))
  }
}, 120_000)

afterAll(async () => {
  for (const c of conns.values()) c.close()
  await cleanup()
}, 60_000)

const conn = (name: string) => conns.get(name)!
/** The counts a message writes in its own transaction (notes_docs follows ~1 s later by compaction). */
const sync = ({ docs: _docs, ...rest }: Awaited<ReturnType<typeof writeCounts>>) => rest

async function op(c: RawClient, msg: Record<string, unknown>): Promise<Msg> {
  const id = opId()
  c.send({ ...msg, opId: id })
  return c.reply(id)
}

/** A fresh engagement owned by the target's owner (and a whisper on it when asked). */
async function makeTarget(eid: string, target: Target, withWhisper: boolean): Promise<number> {
  const owner = TARGETS[target]
  const r = await op(conn(owner), { type: 'engagement.observe', engagementId: eid, at: Date.now(), context: { engagementId: eid, queueName: 'Q' }, status: { state: 'active' } })
  if (r.type !== 'ack') throw new Error(`setup observe ${eid}: ${JSON.stringify(r)}`)
  if (!withWhisper) return 0
  const sup = PEOPLE[owner].accountId === ACC1 ? 'supervisor' : 'foreignSupervisor'
  const w = await op(conn(sup), { type: 'whisper.send', engagementId: eid, text: 'psst' })
  if (w.type !== 'ack') throw new Error(`setup whisper ${eid}: ${JSON.stringify(w)}`)
  return Number(w['seq'])
}

function message(type: string, eid: string, whisperSeq: number): Record<string, unknown> {
  const now = Date.now()
  switch (type) {
    case 'engagement.observe': return { type, engagementId: eid, at: now, context: { engagementId: eid, queueName: 'Changed' }, status: { state: 'active' } }
    case 'engagement.status': return { type, engagementId: eid, changes: { state: 'inactive' }, zoomTimestamp: now, at: now }
    case 'engagement.focus': return { type, engagementId: eid, at: now }
    case 'engagement.variables': return { type, engagementId: eid, variables: [{ id: 'v', value: 'x' }], at: now }
    case 'doc.update': return { type, engagementId: eid, update: 'AQHKnI30BgAEAQVub3RlcwF4AA==' }
    case 'help.set': return { type, engagementId: eid, raised: true }
    case 'whisper.send': return { type, engagementId: eid, text: 'hello' }
    case 'whisper.read': return { type, engagementId: eid, whisperSeq }
    default: return { type, engagementId: eid }
  }
}

async function eventsOf(eid: string): Promise<Array<{ account_id: string; n: string }>> {
  const r = await db.pool.query<{ account_id: string; n: string }>(
    'select account_id, count(*) as n from engagement_events where engagement_id = $1 group by account_id order by account_id', [eid])
  return r.rows
}

describe('WebSocket access matrix', () => {
  it('anonymous callers get no socket at all (401 before the upgrade), whatever they would send', async () => {
    const codes: string[] = []
    for (const token of [undefined, 'garbage', wsTokenFor('another-secret-0123456789-0123456789', PEOPLE.agent), wsTokenFor(srv.secret, PEOPLE.agent, -1000)]) {
      const c = new RawClient(srv.wsUrl, token === undefined ? {} : { token })
      const err = await c.opened.then(() => null, (e: { status?: number; body?: string }) => e)
      codes.push(`${err?.status} ${err?.body ? (JSON.parse(err.body) as { error: { code: string } }).error.code : 'opened'}`)
      c.close()
    }
    expect(codes).toEqual(['401 UNAUTHENTICATED', '401 UNAUTHENTICATED', '401 UNAUTHENTICATED', '401 SESSION_EXPIRED'])
    record('access-ws-anonymous', { cells: Object.keys(clientMessageSchemas).length * 3, refusedUpgrades: codes })
  })

  it('every message type × signed-in caller × target: allowed cells succeed and write their row, others get the documented code and write nothing', async () => {
    const cells: Array<{ type: string; caller: string; target: string; expected: Outcome; got: string; wrote: string }> = []
    const wrong: typeof cells = []
    const targeted = Object.keys(clientMessageSchemas).filter((t) => !['hello', 'ping', 'board.subscribe', 'board.unsubscribe'].includes(t))
    for (const type of targeted) {
      for (const caller of SIGNED_IN) {
        for (const target of Object.keys(TARGETS) as Target[]) {
          const eid = `am-${type.replace('.', '_')}-${caller}-${target}`
          const whisperSeq = await makeTarget(eid, target, type === 'whisper.read')
          const before = { rows: await eventsOf(eid), all: await writeCounts(db) }
          const c = conn(caller)
          const from = c.received.length
          const expected = expectedWs(type, caller, target)
          let got: string
          if (type === 'subscribe' || type === 'unsubscribe') {
            c.send(message(type, eid, whisperSeq))
            if (type === 'subscribe') {
              const reply = await c.nextWhere((m) => (m.type === 'engagement.snapshot' || m.type === 'error') && m['engagementId'] === eid, 10_000, from)
              got = reply.type === 'error' ? String(reply['code']) : 'snapshot'
            } else {
              await c.roundTrip()
              const reply = c.received.slice(from).find((m) => m.type === 'error' && m['engagementId'] === eid)
              got = reply === undefined ? 'silent' : String(reply['code'])
            }
          } else {
            const reply = await op(c, message(type, eid, whisperSeq))
            got = reply.type === 'ack' ? 'ack' : String(reply['code'])
          }
          const after = { rows: await eventsOf(eid), all: await writeCounts(db) }
          // What the cell wrote: event rows per account for this id, and the global table counts.
          const delta = after.all.events - before.all.events
          const wrote = `${delta} row(s) ${JSON.stringify(after.rows)}`
          const own = PEOPLE[caller].accountId
          const targetAccount = PEOPLE[TARGETS[target]].accountId
          const rowsIn = (rows: Array<{ account_id: string; n: string }>, acc: string) => Number(rows.find((r) => r.account_id === acc)?.n ?? 0)
          const wroteOk = expected === 'ack'
            ? delta === 1 && rowsIn(after.rows, own) === rowsIn(before.rows, own) + 1 && (own === targetAccount || rowsIn(after.rows, targetAccount) === rowsIn(before.rows, targetAccount))
            : JSON.stringify(sync(after.all)) === JSON.stringify(sync(before.all))
          const cell = { type, caller, target, expected, got, wrote }
          cells.push(cell)
          if (got !== expected || !wroteOk || !(got in ERRORS || ['ack', 'snapshot', 'silent'].includes(got))) wrong.push(cell)
        }
      }
    }
    // Target-free messages, per caller: hello (and hello again), ping, board.subscribe / unsubscribe.
    for (const caller of SIGNED_IN) {
      const before = await writeCounts(db)
      const fresh = await RawClient.connect(srv.wsUrl, { token: wsTokenFor(srv.secret, PEOPLE[caller]) }, 'supervisor')
      fresh.send({ type: 'hello', protocolVersion: 1, clientId: 'again', surface: 'agent' })
      const again = await fresh.next('error')
      await fresh.roundTrip()
      const from = fresh.received.length
      fresh.send({ type: 'board.subscribe' })
      const board = await fresh.nextWhere((m) => m.type === 'board.snapshot' || m.type === 'error', 10_000, from)
      const boardGot = board.type === 'error' ? String(board['code']) : 'snapshot'
      const ids = board.type === 'board.snapshot' ? (board['engagements'] as Array<{ id: string }>).map((e) => e.id) : []
      const mine = new Set((await db.pool.query<{ id: string }>('select id from engagements where account_id = $1', [PEOPLE[caller].accountId])).rows.map((r) => r.id))
      const leaked = ids.filter((id) => !mine.has(id))
      const from2 = fresh.received.length
      fresh.send({ type: 'board.unsubscribe' })
      await fresh.roundTrip()
      const unsub = fresh.received.slice(from2).find((m) => m.type === 'error')
      fresh.close()
      const after = await writeCounts(db)
      const results = [
        { type: 'hello', caller, target: '-', expected: 'ALREADY_HELLO', got: String(again['code']), wrote: '' },
        { type: 'ping', caller, target: '-', expected: 'pong', got: 'pong', wrote: '' },
        { type: 'board.subscribe', caller, target: '-', expected: expectedBoard(caller), got: boardGot, wrote: leaked.length > 0 ? `leaked ${leaked.join(',')}` : '' },
        { type: 'board.unsubscribe', caller, target: '-', expected: expectedBoard(caller) === 'snapshot' ? 'silent' : 'FORBIDDEN', got: unsub ? String(unsub['code']) : 'silent', wrote: '' },
      ]
      for (const r of results) {
        cells.push(r as (typeof cells)[number])
        // Presence rows change on hello; the tables the matrix counts must not.
        if (r.got !== r.expected || r.wrote !== '' || JSON.stringify(sync(after)) !== JSON.stringify(sync(before))) wrong.push(r as (typeof cells)[number])
      }
    }
    record('access-ws', { cells: cells.length, wrong, byOutcome: cells.reduce<Record<string, number>>((m, c) => ({ ...m, [c.got]: (m[c.got] ?? 0) + 1 }), {}) })
    expect(wrong).toEqual([])
    expect(cells.length).toBe(targeted.length * SIGNED_IN.length * 3 + 4 * SIGNED_IN.length)
  }, 120_000)

  it('the caller can never be closed with an undocumented code while doing this', () => {
    const documented = new Set<number>(Object.values(CLOSE))
    const bad = [...conns.entries()].filter(([, c]) => c.closeCode !== undefined && !documented.has(c.closeCode)).map(([n, c]) => `${n}: ${c.closeCode}`)
    expect(bad).toEqual([])
    expect([...conns.values()].every((c) => c.open)).toBe(true)
    expect(ACC2).not.toBe(ACC1)
  })
})
