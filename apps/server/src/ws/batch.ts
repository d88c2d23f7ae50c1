/**
 * One group-commit batch inside one transaction, normally two round trips on the pg write
 * lane (BEGIN + one read, one write + COMMIT): lock the touched engagements in sorted order
 * and find repeated op ids and dedup keys; decide and evolve each op in arrival order,
 * allocating gap-free seqs; then write log rows, projections (with the notes preview), focus
 * and the NOTIFY in one statement, committed with it. Creating engagements (never one the
 * account erased: its ops are refused ENGAGEMENT_ERASED) and loading hot docs that are not in
 * memory add a round trip each. The notes' full text, wrap-up and
 * snapshot are written by compaction (`Writer.compact`), not per keystroke, and right after the
 * commit that ends an engagement (`Writer.snapshotEnded`).
 */
import * as Y from 'yjs'
import type { ErrorCode } from '@switchboard/protocol'
import { decide } from '../domain/engagement/decide.ts'
import { dedupKey } from '../domain/engagement/dedup.ts'
import { evolve } from '../domain/engagement/evolve.ts'
import { emptyEngagement, key, ZOOM_ACTOR_ID, type Command, type Engagement, type LogRow } from '../domain/engagement/model.ts'
import { HotDoc, type BatchDocs } from '../domain/notes/doc-cache.ts'
import { plainText, previewOf } from '../domain/notes/doc.ts'
import {
  createEngagements, lockEngagements, readEventsAfter, readForBatch, writeBatchAndCommit,
  type DedupRef, type EngagementRef, type NewEngagement, type OpRef, type SessionFocus,
} from '../store/engagements.ts'
import { dataException } from '../store/errors.ts'
import { loadSnapshots } from '../store/notes.ts'
import type { Db, Tx } from '../store/port.ts'
import type { Op, OpSession } from './ops.ts'

/** Row kinds that change no projection column but lastSeq, updatedAt (and, for notes, the preview). */
const PROGRESS_KINDS = new Set<string>(['doc', 'whisper', 'whisper.read'])

/** The seqs one batch wrote in one engagement: [accountId, engagementId, firstSeq, lastSeq]. */
export type CommittedRange = [accountId: string, engagementId: string, firstSeq: number, lastSeq: number]

/**
 * What the commit tells other nodes: NOTIFY payloads on a channel for the ranges it wrote, sent
 * with the write statement (at COMMIT), or null to tell nobody. The engine builds them with its
 * bus; the batch knows nothing of the bus's format.
 */
export type CommitNotice = (ranges: CommittedRange[]) => { channel: string; payloads: string[] } | null

export type OpResult =
  | { op: Op; ok: true; engagementId: string; seq: number; duplicate: boolean }
  | { op: Op; ok: false; code: ErrorCode }

export interface BatchOutcome {
  results: OpResult[]
  /** new rows per engagement key, seq order */
  rows: Map<string, LogRow[]>
  /** engagements whose projection this batch changed */
  engagements: Map<string, Engagement>
  /** engagement key -> agent who owned it before a takeover */
  takeovers: Map<string, string>
  /** engagements created in this batch */
  created: Set<string>
  focus: { session: OpSession; accountId: string; userId: string; engagementId: string }[]
  docs: Set<string>
  /** notes rows (`doc`) written by a socket session -> its id: it is not sent them back (its ack has the seq) */
  senders: Map<LogRow, string>
}

/** The dedup key an op's event would carry, known from the command alone. */
function candidateKey(cmd: Command): string | null {
  switch (cmd.type) {
    case 'engagement.status': return cmd.zoomTimestamp === undefined ? null : dedupKey(cmd.engagementId, 'status', cmd.changes, cmd.zoomTimestamp)
    case 'engagement.variables': return cmd.zoomTimestamp === undefined ? null : dedupKey(cmd.engagementId, 'variables', cmd.variables, cmd.zoomTimestamp)
    case 'whisper.read': return dedupKey(cmd.engagementId, 'whisper.read', cmd.whisperSeq)
    default: return null
  }
}

/**
 * Pins the hot docs of `want` for this batch, loading missing ones (snapshot + newer doc
 * rows) and reloading any that may hold updates the log does not (rolled back, or ahead of
 * the committed `lastSeq`, as after a write by another node).
 */
async function loadHotDocs(tx: Db, bd: BatchDocs, want: Map<string, Engagement>): Promise<void> {
  // The previous writer of these engagements committed or rolled back (we hold their row
  // locks now); wait for its outcome to reach this node instead of reloading the document.
  const unsettled = [...want.keys()].map((k) => bd.cache.get(k)).filter((h) => h !== undefined && h.uncommitted > 0)
  if (unsettled.length > 0) await Promise.all(unsettled.map((h) => h!.settled()))
  const missing: Engagement[] = []
  for (const [k, e] of want) {
    const hot = bd.cache.get(k)
    if (hot && !hot.suspect && hot.seq <= e.lastSeq) {
      bd.hold(k, hot)
      continue
    }
    if (hot) bd.cache.discard(k, hot)
    missing.push(e)
  }
  const snaps = await loadSnapshots(tx, missing.map((e) => ({ accountId: e.accountId, engagementId: e.id })))
  const snapByKey = new Map(snaps.map((s) => [key(s.accountId, s.engagementId), s]))
  for (const e of missing) {
    const k = key(e.accountId, e.id)
    const hot = new HotDoc()
    const s = snapByKey.get(k)
    if (s?.snapshot) {
      Y.applyUpdate(hot.doc, s.snapshot)
      hot.seq = s.snapshotSeq
      hot.snapshotSeq = s.snapshotSeq
    }
    bd.hold(k, hot)
    bd.cache.set(k, hot)
  }
  // Catch every doc up with rows written since (by this node's snapshot or another node).
  const behind = [...want.entries()].filter(([k, e]) => bd.held.get(k)!.seq < e.lastSeq)
  if (behind.length === 0) return
  const rows = await readEventsAfter(tx, behind.map(([k, e]) => ({
    accountId: e.accountId, engagementId: e.id, afterSeq: bd.held.get(k)!.seq, upToSeq: e.lastSeq,
  })), { kinds: ['doc'] })
  for (const r of rows) {
    const hot = bd.held.get(key(r.accountId, r.engagementId))!
    if (r.update) Y.applyUpdate(hot.doc, Buffer.from(r.update, 'base64'))
    hot.sinceSnapshot++
  }
  for (const [k, e] of behind) bd.held.get(k)!.seq = e.lastSeq
}

/** What a batch decides on, read and locked in its transaction. */
export interface LoadedBatch {
  /** the touched engagements, locked (created ones included) */
  locked: Map<string, Engagement>
  /** op ids already in the log (account, actor, op id) → the row */
  priorOps: Map<string, { engagementId: string; seq: number }>
  /** dedup keys already in the log (account, engagement, key) → the row's seq */
  priorKeys: Map<string, number>
  /** the dedup key each op's event would carry, known from its command */
  candidates: Map<Op, string>
  /**
   * engagements an observe here would have created but the account erased: never created again,
   * every op on them in this batch is refused ENGAGEMENT_ERASED (nothing written)
   */
  erased: Set<string>
}

/**
 * The batch's reads (normally one round trip): lock the touched engagements in sorted order, find
 * repeated op ids and dedup keys, create engagements first observed, and pin the hot notes docs
 * the batch's `doc.update`s need (loading missing ones).
 */
async function loadBatch(tx: Tx, batch: readonly Op[], bd: BatchDocs, now: number): Promise<LoadedBatch> {
  const refs = new Map<string, EngagementRef>()
  const creates = new Map<string, NewEngagement>()
  for (const op of batch) {
    const a = op.actor.accountId
    const k = key(a, op.command.engagementId)
    refs.set(k, { accountId: a, engagementId: op.command.engagementId })
    // Zoom's facts that name no user never create an engagement (decideZoom): nobody owns it yet.
    if (op.command.type === 'engagement.observe' && op.actor.userId !== ZOOM_ACTOR_ID && !creates.has(k)) {
      creates.set(k, { accountId: a, engagementId: op.command.engagementId, agentId: op.actor.userId })
    }
  }
  const opRefs: OpRef[] = batch.map((op) => ({ accountId: op.actor.accountId, actorId: op.actor.userId, opId: op.opId }))
  const keyRefs: DedupRef[] = []
  const candidates = new Map<Op, string>()
  for (const op of batch) {
    const dk = candidateKey(op.command)
    if (!dk) continue
    candidates.set(op, dk)
    keyRefs.push({ accountId: op.actor.accountId, engagementId: op.command.engagementId, dedupKey: dk })
  }
  const { locked, prior } = await readForBatch(tx, [...refs.values()], opRefs, keyRefs)
  const toCreate = [...creates].filter(([k]) => !locked.has(k)).map(([, c]) => c)
  let erased = new Set<string>()
  if (toCreate.length > 0) {
    // Only ids with no row come here: ops on existing engagements never read `erasures`.
    const { created, erased: refused } = await createEngagements(tx, toCreate)
    erased = refused
    for (const k of erased) creates.delete(k)
    // Created meanwhile by another node: lock and use the committed row.
    const raced = toCreate.filter((c) => {
      const k = key(c.accountId, c.engagementId)
      return !created.has(k) && !erased.has(k)
    })
    if (raced.length > 0) for (const [k, e] of await lockEngagements(tx, raced, [])) locked.set(k, e)
  }

  const docWanted = new Map<string, Engagement>()
  for (const op of batch) {
    if (op.command.type !== 'doc.update') continue
    const k = key(op.actor.accountId, op.command.engagementId)
    // An engagement created by an observe earlier in this batch has no locked row yet: its doc starts empty.
    const created = creates.get(k)
    const e = locked.get(k) ?? (created ? emptyEngagement(created.accountId, created.engagementId, created.agentId, now) : undefined)
    if (e) docWanted.set(k, e)
  }
  await loadHotDocs(tx, bd, docWanted)

  const priorOps = new Map<string, { engagementId: string; seq: number }>()
  const priorKeys = new Map<string, number>()
  for (const p of prior) {
    if (p.kind === 'op') priorOps.set(`${p.accountId}\0${p.actorId}\0${p.ref}`, { engagementId: p.engagementId, seq: p.seq })
    else priorKeys.set(`${p.accountId}\0${p.engagementId}\0${p.ref}`, p.seq)
  }

  return { locked, priorOps, priorKeys, candidates, erased }
}

/**
 * Decides and evolves each op in arrival order over the loaded state, allocating gap-free seqs:
 * no I/O (a notes update is applied to its pinned hot doc). Returns the outcome and the new log
 * rows in op order (none: nothing to write).
 */
export function decideBatch(batch: readonly Op[], loaded: LoadedBatch, bd: BatchDocs, now: number): { out: BatchOutcome; allRows: LogRow[] } {
  const { locked, priorOps, priorKeys, candidates, erased } = loaded
  const out: BatchOutcome = {
    results: [], rows: new Map(), engagements: new Map(), takeovers: new Map(), created: new Set(), focus: [], docs: new Set(),
    senders: new Map(),
  }
  const seen = new Map<string, OpResult>()
  const allRows: LogRow[] = []
  const focusInBatch = new Map<OpSession, string | null>()

  for (const op of batch) {
    const { actor, session } = op
    const a = actor.accountId
    const engagementId = op.command.engagementId
    const ref = `${a}\0${actor.userId}\0${op.opId}`
    const again = seen.get(ref)
    if (again) {
      out.results.push(again.ok ? { ...again, op, duplicate: true } : { ...again, op })
      continue
    }
    const before = priorOps.get(ref)
    if (before) {
      const r: OpResult = { op, ok: true, engagementId: before.engagementId, seq: before.seq, duplicate: true }
      seen.set(ref, r)
      out.results.push(r)
      continue
    }
    const k = key(a, engagementId)
    if (erased.has(k)) {
      const r: OpResult = { op, ok: false, code: 'ENGAGEMENT_ERASED' }
      seen.set(ref, r)
      out.results.push(r)
      continue
    }
    const cur = out.engagements.get(k) ?? locked.get(k) ?? null
    const focus = session ? (focusInBatch.has(session) ? focusInBatch.get(session)! : session.focus) : null
    const decision = decide(op.command, {
      engagement: cur && cur.lastSeq > 0 ? cur : null, actor, now, ...(session ? { session: { clientId: session.clientId, focus } } : {}),
    })
    if (!decision.ok) {
      const r: OpResult = { op, ok: false, code: decision.code }
      seen.set(ref, r)
      out.results.push(r)
      continue
    }
    let state: Engagement = decision.creates || !cur || cur.lastSeq === 0
      ? { ...emptyEngagement(a, engagementId, actor.userId, now), agentName: actor.displayName }
      : cur
    if (decision.creates) out.created.add(k)
    if (decision.takeover && cur) out.takeovers.set(k, out.takeovers.get(k) ?? cur.agentId)
    let seq: number | undefined
    let dup: number | undefined
    for (const ev of decision.events) {
      const dk = ev.dedupKey ? `${a}\0${engagementId}\0${ev.dedupKey}` : null
      if (dk && priorKeys.has(dk)) {
        dup = priorKeys.get(dk)
        continue
      }
      seq = state.lastSeq + 1
      state = evolve(state, { ...ev, seq, actorId: actor.userId, at: now, actorName: actor.displayName })
      if (ev.kind === 'doc' && op.doc) {
        const hot = bd.held.get(k)
        if (!hot) throw new Error('hot doc missing inside batch')
        bd.touch(k, hot)
        try {
          Y.applyUpdate(hot.doc, op.doc)
        } catch (err) {
          // Decoded at the edge but Yjs cannot apply it here: the batch fails (the doc reloads) and is
          // retried op by op; alone, this op is refused BAD_MESSAGE as a value that cannot be stored.
          throw dataException('notes update does not apply', err)
        }
        out.docs.add(k)
      }
      if (ev.kind === 'focus' && session) {
        focusInBatch.set(session, engagementId)
        out.focus.push({ session, accountId: a, userId: actor.userId, engagementId })
      }
      const row: LogRow = { accountId: a, engagementId, seq, kind: ev.kind, actorId: actor.userId, opId: op.opId, dedupKey: ev.dedupKey, data: ev.data, at: now }
      if (ev.update !== undefined) row.update = ev.update
      if (ev.kind === 'doc' && session) out.senders.set(row, session.id)
      allRows.push(row)
      let list = out.rows.get(k)
      if (!list) out.rows.set(k, (list = []))
      list.push(row)
      if (dk) priorKeys.set(dk, seq)
    }
    if (seq !== undefined) out.engagements.set(k, state)
    // A fact already in the log (same dedup key) is a duplicate of that row, also when it would no
    // longer change the projection; a fact that changes nothing is already shown at the last seq.
    const candidate = candidates.get(op)
    dup ??= candidate === undefined ? undefined : priorKeys.get(`${a}\0${engagementId}\0${candidate}`)
    const r: OpResult = seq !== undefined
      ? { op, ok: true, engagementId, seq, duplicate: false }
      : { op, ok: true, engagementId, seq: dup ?? state.lastSeq, duplicate: true }
    seen.set(ref, r)
    out.results.push(r)
  }

  if (allRows.length === 0) return { out, allRows }
  // The board preview: once per touched doc and batch, not per keystroke.
  for (const k of out.docs) {
    const e = out.engagements.get(k)
    const hot = bd.held.get(k)
    if (e && hot) out.engagements.set(k, { ...e, notesPreview: previewOf(plainText(hot.doc)) })
  }
  // Held docs now hold every doc row up to the new last seq (discarded if this transaction fails).
  for (const [k, e] of out.engagements) {
    const hot = bd.held.get(k)
    if (hot) hot.seq = e.lastSeq
  }
  for (const op of batch) {
    if (op.command.type !== 'doc.update') continue
    const hot = bd.held.get(key(op.actor.accountId, op.command.engagementId))
    if (hot) {
      hot.sinceSnapshot++
      hot.lastWriteAt = now
    }
  }
  return { out, allRows }
}

/** The batch's writes and the NOTIFY in one statement sent with COMMIT. */
async function writeBatch(
  tx: Tx, out: BatchOutcome, allRows: readonly LogRow[], locked: ReadonlyMap<string, Engagement>, notice: CommitNotice | null,
): Promise<void> {
  const focus = new Map<string, SessionFocus>()
  for (const f of out.focus) focus.set(f.session.id, { sessionId: f.session.id, engagementId: f.engagementId })
  const ranges: CommittedRange[] = []
  for (const list of out.rows.values()) ranges.push([list[0]!.accountId, list[0]!.engagementId, list[0]!.seq, list[list.length - 1]!.seq])
  // An engagement already in the log whose rows here only add notes, whispers or read receipts
  // moves just its lastSeq, updatedAt and preview (evolve changes nothing else for those kinds).
  const full: Engagement[] = []
  const progressed: Engagement[] = []
  for (const [k, eng] of out.engagements) {
    const before = locked.get(k)
    const slim = before !== undefined && before.lastSeq > 0 && !out.created.has(k) && !out.takeovers.has(k)
      && (out.rows.get(k) ?? []).every((r) => PROGRESS_KINDS.has(r.kind))
    ;(slim ? progressed : full).push(eng)
  }
  await writeBatchAndCommit(tx, allRows, full, progressed, [...focus.values()], notice ? notice(ranges) : null)
}

/**
 * Runs one batch inside `tx`: load → decide (pure over what was loaded) → write. The hot docs it
 * uses are pinned in `bd` and stay so until the caller settles `bd` with the transaction's outcome
 * (`committed()` or `failed()`).
 */
export async function runBatch(tx: Tx, batch: readonly Op[], bd: BatchDocs, notice: CommitNotice | null, now: number): Promise<BatchOutcome> {
  const loaded = await loadBatch(tx, batch, bd, now)
  const { out, allRows } = decideBatch(batch, loaded, bd, now)
  if (allRows.length > 0) await writeBatch(tx, out, allRows, loaded.locked, notice)
  return out
}
