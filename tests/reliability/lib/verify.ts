/**
 * The end-of-scenario audit: ops sent / acked / stored / delivered, and convergence of every
 * session's notes document with the stored log, the server's REST view and the agent's own doc.
 */
import * as Y from 'yjs'
import { sleep } from '../../bench/limit.ts'
import { storedRows, type RelDb, type StoredRow } from './db.ts'
import type { Endpoint } from './session.ts'
import { newSessionId, signToken } from '../../../apps/server/src/auth/session-token.ts'
import type { Workload } from './workload.ts'

export interface Audit {
  opsSent: number
  opsAcked: number
  /** acked again after a resend: the first commit's ack had been lost */
  ackedDuplicate: number
  /** of those, ops whose first commit is in the log: a resend answered with the first ack */
  resentDeduplicated: number
  opsRejected: number
  opsStored: number
  /** acked ops that must have written a row but none is stored (must be 0) */
  ackedNotStored: string[]
  /** stored rows whose seq differs from the ack (must be 0) */
  seqMismatch: number
  /** op ids stored more than once (must be 0) */
  duplicateOpIds: number
  /** rows stored with an op id we never sent (must be 0) */
  unknownStored: number
  rowsStored: number
  /** (subscriber, row) pairs: rows times sessions following the engagement */
  deliveriesExpected: number
  deliveredAsEvents: number
  coveredBySnapshot: number
  /** (session, engagement) pairs whose last seq or text differs from the stored doc (must be empty) */
  divergent: string[]
  /** engagements whose stored text differs from the typing agent's own doc (must be empty) */
  lostText: string[]
  /** engagements where REST detail notes differ from the log (must be empty) */
  restMismatch: string[]
  /** engagements where a board's lastSeq differs from the stored last seq (must be empty) */
  boardBehind: string[]
  sessions: number
  forcedCloses: number
  reconnectMs: { p50: number | null; p99: number | null; n: number }
  catchUpMs: { p50: number | null; p99: number | null; n: number }
  errors: Record<string, number>
  notices: Record<string, number>
}

export function quantiles(xs: number[]): { p50: number | null; p99: number | null; n: number } {
  if (xs.length === 0) return { p50: null, p99: null, n: 0 }
  const v = [...xs].sort((a, b) => a - b)
  const q = (p: number) => Math.round(v[Math.min(v.length - 1, Math.max(0, Math.ceil(p * v.length) - 1))]!)
  return { p50: q(0.5), p99: q(0.99), n: v.length }
}

function storedDocs(rows: StoredRow[]): Map<string, { text: string; lastSeq: number }> {
  const docs = new Map<string, Y.Doc>()
  const last = new Map<string, number>()
  for (const r of rows) {
    last.set(r.engagementId, Math.max(last.get(r.engagementId) ?? 0, r.seq))
    if (r.kind !== 'doc' || !r.update) continue
    let d = docs.get(r.engagementId)
    if (!d) docs.set(r.engagementId, (d = new Y.Doc()))
    Y.applyUpdate(d, r.update)
  }
  const out = new Map<string, { text: string; lastSeq: number }>()
  for (const [e, seq] of last) {
    const d = docs.get(e)
    out.set(e, { text: d?.getText('notes').toString() ?? '', lastSeq: seq })
    d?.destroy()
  }
  return out
}

async function restNotes(ep: Endpoint, secret: string, accountId: string, supervisorId: string, e: string): Promise<string | null> {
  const now = Date.now()
  // A session cookie: REST takes no WS token.
  const token = signToken(secret, { k: 'session', sid: newSessionId(), sub: supervisorId, acc: accountId, role: 'supervisor', name: supervisorId, cred: 'dev-signin', iat: now, exp: now + 600_000 })
  const res = await fetch(`${ep.url}/api/engagements/${encodeURIComponent(e)}`, { headers: { cookie: `sb_session=${token}` }, signal: AbortSignal.timeout(10_000) })
    .catch(() => null)
  if (res === null) return null
  if (res.status !== 200) return null
  const body = await res.json() as { notes: { text: string } }
  return body.notes.text
}

/**
 * Waits (bounded) for every session to hold every stored row, then audits. Call after `drain`.
 */
export async function audit(w: Workload, db: RelDb, opts: { endpoint: Endpoint; settleMs?: number }): Promise<Audit> {
  const accountId = w.o.accountId
  let rows = await storedRows(db, [accountId])
  let stored = storedDocs(rows)
  const behind = () => w.sessions.flatMap((s) => [...s.docs.keys()]
    .filter((e) => (s.maxSeq.get(e) ?? 0) !== (stored.get(e)?.lastSeq ?? 0) || s.text(e) !== (stored.get(e)?.text ?? ''))
    .map((e) => `${s.spec.name}:${e}@${s.maxSeq.get(e) ?? 0}/${stored.get(e)?.lastSeq ?? 0}`))
  const boardBehind = () => w.watchers.flatMap((s) => [...stored].filter(([e, v]) => (s.board.get(e) ?? 0) !== v.lastSeq)
    .map(([e, v]) => `${s.spec.name}:${e}@${s.board.get(e) ?? 0}/${v.lastSeq}`))
  const until = Date.now() + (opts.settleMs ?? 20_000)
  while (Date.now() < until && (behind().length > 0 || boardBehind().length > 0)) {
    await sleep(250)
    rows = await storedRows(db, [accountId])
    stored = storedDocs(rows)
  }

  const byOp = new Map<string, StoredRow[]>()
  for (const r of rows) {
    const list = byOp.get(r.opId) ?? []
    list.push(r)
    byOp.set(r.opId, list)
  }
  const ackedNotStored: string[] = []
  let seqMismatch = 0
  for (const [opId, ack] of w.acked) {
    const meta = w.sent.get(opId)
    const row = byOp.get(opId)?.[0]
    // A status the projection already shows is acked as a duplicate without a row; anything else writes one.
    const mustWrite = !ack.duplicate || meta?.kind === 'doc.update' || meta?.kind === 'engagement.observe'
    if (!row) {
      if (mustWrite) ackedNotStored.push(`${meta?.kind}:${opId}`)
      continue
    }
    if (row.seq !== ack.seq) seqMismatch++
  }
  let deliveriesExpected = 0
  let deliveredAsEvents = 0
  let coveredBySnapshot = 0
  for (const s of w.sessions) {
    for (const e of s.docs.keys()) {
      const seen = s.rowsSeen.get(e) ?? new Set<number>()
      const last = stored.get(e)?.lastSeq ?? 0
      deliveriesExpected += last
      for (let seq = 1; seq <= last; seq++) {
        if (seen.has(seq)) deliveredAsEvents++
        else if (seq <= (s.maxSeq.get(e) ?? 0)) coveredBySnapshot++
      }
    }
  }
  const lostText: string[] = []
  const restMismatch: string[] = []
  const supervisorId = w.userIds().supervisors[0]
  for (const a of w.agents) {
    for (const e of a.engagements) {
      const mine = a.local.get(e)!.getText('notes').toString()
      if ((stored.get(e)?.text ?? '') !== mine) lostText.push(`${e}: stored ${stored.get(e)?.text.length ?? 0} chars, agent ${mine.length}`)
      if (supervisorId !== undefined) {
        const rest = await restNotes(opts.endpoint, w.o.secret, accountId, supervisorId, e)
        if (rest !== (stored.get(e)?.text ?? '')) restMismatch.push(`${e}: rest ${rest === null ? 'error' : rest.length} vs log ${stored.get(e)?.text.length}`)
      }
    }
  }
  const errors: Record<string, number> = {}
  const notices: Record<string, number> = {}
  for (const s of w.sessions) {
    for (const [k, v] of Object.entries(s.errors)) errors[k] = (errors[k] ?? 0) + v
    for (const [k, v] of Object.entries(s.notices)) notices[k] = (notices[k] ?? 0) + v
  }
  const mine = new Set(w.sent.keys())
  return {
    opsSent: w.sent.size,
    opsAcked: w.acked.size,
    ackedDuplicate: [...w.acked.values()].filter((a) => a.duplicate).length,
    resentDeduplicated: [...w.acked].filter(([id, a]) => a.duplicate && byOp.has(id)).length,
    opsRejected: w.rejected.length,
    opsStored: [...byOp.keys()].filter((id) => mine.has(id)).length,
    ackedNotStored,
    seqMismatch,
    duplicateOpIds: [...byOp.values()].filter((l) => l.length > 1).length,
    unknownStored: [...byOp.keys()].filter((id) => !mine.has(id)).length,
    rowsStored: rows.length,
    deliveriesExpected,
    deliveredAsEvents,
    coveredBySnapshot,
    divergent: behind(),
    lostText,
    restMismatch,
    boardBehind: boardBehind(),
    sessions: w.sessions.length,
    forcedCloses: w.sessions.reduce((n, s) => n + s.forcedCloses, 0),
    reconnectMs: quantiles(w.sessions.flatMap((s) => s.reconnectMs)),
    catchUpMs: quantiles(w.sessions.flatMap((s) => s.catchUpMs)),
    errors,
    notices,
  }
}

/** The invariants every fault scenario must keep. */
export function problems(a: Audit): string[] {
  const out: string[] = []
  if (a.opsAcked !== a.opsSent) out.push(`${a.opsSent - a.opsAcked} of ${a.opsSent} ops never acked`)
  if (a.opsRejected > 0) out.push(`${a.opsRejected} valid ops rejected`)
  if (a.ackedNotStored.length > 0) out.push(`${a.ackedNotStored.length} acked ops not stored: ${a.ackedNotStored.slice(0, 5).join(', ')}`)
  if (a.seqMismatch > 0) out.push(`${a.seqMismatch} stored rows with a seq other than their ack`)
  if (a.duplicateOpIds > 0) out.push(`${a.duplicateOpIds} op ids stored twice`)
  if (a.unknownStored > 0) out.push(`${a.unknownStored} stored rows with op ids nobody sent`)
  if (a.divergent.length > 0) out.push(`${a.divergent.length} session docs differ from the stored doc: ${a.divergent.slice(0, 5).join(', ')}`)
  if (a.lostText.length > 0) out.push(`${a.lostText.length} stored docs differ from the agent's: ${a.lostText.slice(0, 5).join(', ')}`)
  if (a.restMismatch.length > 0) out.push(`${a.restMismatch.length} REST notes differ from the log: ${a.restMismatch.slice(0, 5).join(', ')}`)
  if (a.boardBehind.length > 0) out.push(`${a.boardBehind.length} board views behind the log: ${a.boardBehind.slice(0, 5).join(', ')}`)
  if (a.deliveredAsEvents + a.coveredBySnapshot !== a.deliveriesExpected) {
    out.push(`${a.deliveriesExpected - a.deliveredAsEvents - a.coveredBySnapshot} (subscriber, row) deliveries missing`)
  }
  return out
}
