/**
 * Latency bookkeeping of the Switchboard run.
 *
 * - op -> ack: from `send()` to the `ack` event of the sending session.
 * - op -> other session / watcher: the op's `opId` is in the `engagement.events` rows they receive.
 * - op -> supervisor board: boards carry projections, not rows; an op is on a board once a
 *   snapshot/delta shows that engagement with `lastSeq >= ` the op's acked seq. The ack may
 *   arrive after the board delta (they race on different sockets), so each board keeps the last
 *   few (lastSeq, time) arrivals per engagement to credit late acks.
 */
import { Samples } from './hist.ts'

export interface OpRecord {
  t: number
  /** who sent it (to find its row in the database) */
  accountId: string
  actorId: string
  engagementId: string
  kind: string
  measured: boolean
  /** deliveries still expected on second sessions / watchers */
  remaining: number
  acked: boolean
  onAck?: (seq: number) => void
  onReject?: (code: string) => void
}

/** A board delivery that never came: which op, and what each board of its account showed. */
export interface BoardMiss {
  engagementId: string
  seq: number
  ageMs: number
  seenBy: number
  boards: number
  /** lastSeq each board had credited for the engagement (absent: never shown) */
  credited: number[]
}

interface BoardState {
  credited: number
  ring: Array<[seq: number, t: number]>
}

interface PendingBoardOp {
  seq: number
  t: number
  seenBy: number
}

interface EngagementBoards {
  ops: PendingBoardOp[]
  boards: Map<number, BoardState>
}

const RING = 32

export class BoardTracker {
  latency = new Samples()
  /** rows that reached a board while counting (one delivery per board per row) */
  deliveries = 0
  undelivered = 0
  /** the first few undelivered ops, for diagnosis */
  readonly misses: BoardMiss[] = []
  counting = false
  readonly #engs = new Map<string, EngagementBoards>()

  private readonly boardsOf: (engagementId: string) => number
  constructor(boardsOf: (engagementId: string) => number) {
    this.boardsOf = boardsOf
  }

  #eng(id: string): EngagementBoards {
    let e = this.#engs.get(id)
    if (!e) this.#engs.set(id, (e = { ops: [], boards: new Map() }))
    return e
  }

  /** A measured op was acked as row `seq`. */
  onAck(engagementId: string, seq: number, sentAt: number): void {
    const total = this.boardsOf(engagementId)
    if (total === 0) return
    const e = this.#eng(engagementId)
    const op: PendingBoardOp = { seq, t: sentAt, seenBy: 0 }
    for (const b of e.boards.values()) {
      if (b.credited < seq) continue
      const hit = b.ring.find(([s]) => s >= seq)
      if (hit) this.latency.add(hit[1] - sentAt)
      op.seenBy++
    }
    if (op.seenBy < total) e.ops.push(op)
  }

  /** Board `board` shows `engagementId` at `lastSeq` (snapshot rows pass `snapshot`: no samples, no deliveries). */
  onView(board: number, engagementId: string, lastSeq: number, now: number, snapshot = false): void {
    const e = this.#eng(engagementId)
    let b = e.boards.get(board)
    if (!b) e.boards.set(board, (b = { credited: snapshot ? lastSeq : 0, ring: [] }))
    if (lastSeq <= b.credited) return
    if (this.counting) this.deliveries += lastSeq - b.credited
    b.ring.push([lastSeq, now])
    if (b.ring.length > RING) b.ring.shift()
    const from = b.credited
    b.credited = lastSeq
    if (e.ops.length === 0) return
    const total = this.boardsOf(engagementId)
    let keep = 0
    for (const op of e.ops) {
      if (op.seq > from && op.seq <= lastSeq) {
        this.latency.add(now - op.t)
        op.seenBy++
      }
      if (op.seenBy < total) e.ops[keep++] = op
    }
    e.ops.length = keep
  }

  /** The engagement left the board (ended): it has seen everything about it. */
  onRemoved(board: number, engagementId: string, now: number): void {
    const e = this.#eng(engagementId)
    const b = e.boards.get(board)
    const from = b?.credited ?? 0
    e.boards.set(board, { credited: Number.MAX_SAFE_INTEGER, ring: [[Number.MAX_SAFE_INTEGER, now]] })
    const total = this.boardsOf(engagementId)
    e.ops = e.ops.filter((op) => {
      if (op.seq > from) {
        this.latency.add(now - op.t)
        op.seenBy++
      }
      return op.seenBy < total
    })
  }

  /** Drops ops older than `maxAgeMs` (counting their missing board deliveries). */
  sweep(now: number, maxAgeMs: number): void {
    for (const [id, e] of this.#engs) {
      const total = this.boardsOf(id)
      e.ops = e.ops.filter((op) => {
        if (now - op.t <= maxAgeMs) return true
        this.undelivered += total - op.seenBy
        if (this.misses.length < 10) {
          this.misses.push({ engagementId: id, seq: op.seq, ageMs: Math.round(now - op.t), seenBy: op.seenBy, boards: total, credited: [...e.boards.values()].map((b) => b.credited) })
        }
        return false
      })
    }
  }

  pending(): number {
    let n = 0
    for (const [id, e] of this.#engs) for (const op of e.ops) n += this.boardsOf(id) - op.seenBy
    return n
  }
}

/** A measured op whose ack came back: what to look up in the database afterwards. */
export type AckedRef = [accountId: string, actorId: string, opId: string]

export class OpTracker {
  ack = new Samples()
  second = new Samples()
  watcher = new Samples()
  /** second sessions and watchers together */
  delivery = new Samples()
  /** measured ops sent, and those acked (durable) no later than `deadline` */
  sent = 0
  ackedInTime = 0
  deadline = Infinity
  /** every measured op acked, for the database check */
  ackedRefs: AckedRef[] = []
  /** op -> ack samples since the last `resetWindow()` (soak: per minute) */
  window = new Samples()
  readonly ops = new Map<string, OpRecord>()
  acked = 0
  secondDeliveries = 0
  /** rows echoed to the sending session itself (the server follows an agent's engagements on all its sessions) */
  ownDeliveries = 0
  watcherDeliveries = 0
  /** measured ops never acked / deliveries never seen (within the sweep age) */
  unacked = 0
  undelivered = 0
  counting = false

  private readonly boards: BoardTracker
  constructor(boards: BoardTracker) {
    this.boards = boards
  }

  add(opId: string, rec: OpRecord): void {
    this.ops.set(opId, rec)
    if (rec.measured) this.sent++
  }

  onAck(opId: string, seq: number, now: number): OpRecord | undefined {
    const rec = this.ops.get(opId)
    if (!rec) return undefined
    rec.acked = true
    if (this.counting) this.acked++
    if (rec.measured) {
      this.ack.add(now - rec.t)
      this.window.add(now - rec.t)
      if (now <= this.deadline) this.ackedInTime++
      this.ackedRefs.push([rec.accountId, rec.actorId, opId])
      if (rec.kind === 'doc' || rec.kind === 'status') this.boards.onAck(rec.engagementId, seq, rec.t)
    }
    if (rec.remaining <= 0) this.ops.delete(opId)
    rec.onAck?.(seq)
    return rec
  }

  /** Rows arrived on a second session (`second`) or a watcher. */
  onRows(who: 'own' | 'second' | 'watcher', rows: ReadonlyArray<{ opId: string }>, now: number): void {
    if (this.counting) {
      if (who === 'second') this.secondDeliveries += rows.length
      else if (who === 'watcher') this.watcherDeliveries += rows.length
      else this.ownDeliveries += rows.length
    }
    if (who === 'own') return
    for (const row of rows) {
      const rec = this.ops.get(row.opId)
      if (!rec) continue
      if (rec.measured) {
        (who === 'second' ? this.second : this.watcher).add(now - rec.t)
        this.delivery.add(now - rec.t)
      }
      rec.remaining--
      if (rec.acked && rec.remaining <= 0) this.ops.delete(row.opId)
    }
  }

  /** The server refused the op for good (it wrote nothing). */
  onRejected(opId: string, code: string): void {
    const rec = this.ops.get(opId)
    if (!rec) return
    this.ops.delete(opId)
    rec.onReject?.(code)
  }

  sweep(now: number, maxAgeMs: number): void {
    for (const [id, rec] of this.ops) {
      if (now - rec.t <= maxAgeMs) continue
      if (rec.measured) {
        this.undelivered += Math.max(0, rec.remaining)
        if (!rec.acked) this.unacked++
      }
      this.ops.delete(id)
    }
  }
}
