/**
 * Supervisor boards: `board.snapshot` on subscribe, then at most one `board.delta` frame per
 * account per tick (`boardTickMs`), built once and sent to every board of the account on
 * this node. Changes only mark things dirty; keystrokes never produce frames of their own.
 * The first change after a quiet tick goes out at once (leading edge), so a lone change is
 * not delayed by a full tick.
 */
import type { AgentView, AlertThresholds } from '@switchboard/protocol'
import { getThresholds } from '../store/account-settings.ts'
import { toView, type Engagement } from '../domain/engagement/model.ts'
import { liveEngagements } from '../store/engagements.ts'
import { roster } from '../store/presence.ts'
import type { Logger, Store } from '../store/port.ts'
import { frameOf, type Hub } from './hub.ts'
import type { Metrics } from './metrics.ts'
import type { Semaphore } from './semaphore.ts'
import type { Session } from './session.ts'

/** Live engagements in a board's snapshot (most recently changed first). */
const BOARD_MAX_ENGAGEMENTS = 2000

interface AccountState {
  engagements: Map<string, Engagement>
  /** erased engagements, sent in `removedEngagements` */
  erased: Set<string>
  /** roster rows fetched and not yet sent */
  agents: Map<string, AgentView>
  /** agents whose roster row must be (re)read */
  wanted: Set<string>
  fetching: boolean
  thresholds: AlertThresholds | null
}

export class Boards {
  private readonly accounts = new Map<string, AccountState>()
  /** boards waiting for their snapshot: deltas built meanwhile are queued for them */
  private readonly waiting = new Map<Session, Buffer[]>()
  private timer: NodeJS.Timeout | undefined
  private lastTick = 0
  private closed = false
  private readonly store: Store
  private readonly hub: Hub
  private readonly logger: Logger
  private readonly metrics: Metrics
  private readonly tickMs: number
  private readonly reads: Semaphore

  constructor(store: Store, hub: Hub, logger: Logger, metrics: Metrics, tickMs: number, reads: Semaphore) {
    this.reads = reads
    this.store = store
    this.hub = hub
    this.logger = logger
    this.metrics = metrics
    this.tickMs = tickMs
  }

  private state(accountId: string): AccountState | undefined {
    if (!this.hub.boards.has(accountId)) return undefined
    let st = this.accounts.get(accountId)
    if (!st) this.accounts.set(accountId, (st = { engagements: new Map(), erased: new Set(), agents: new Map(), wanted: new Set(), fetching: false, thresholds: null }))
    return st
  }

  markEngagement(e: Engagement): void {
    const st = this.state(e.accountId)
    if (!st) return
    st.engagements.set(e.id, e)
    this.arm()
  }

  /** The engagement was erased: boards drop it. */
  markErased(accountId: string, engagementId: string): void {
    const st = this.state(accountId)
    if (!st) return
    st.engagements.delete(engagementId)
    st.erased.add(engagementId)
    this.arm()
  }

  /** Roster rows are read ahead of the tick, so a frame never waits for the database. */
  markAgent(accountId: string, userId: string): void {
    const st = this.state(accountId)
    if (!st) return
    st.wanted.add(userId)
    this.fetchRoster(accountId, st)
  }

  markThresholds(accountId: string): void {
    const st = this.state(accountId)
    if (!st) return
    getThresholds(this.store, accountId).then((t) => {
      st.thresholds = t
      this.arm()
    }, (err: unknown) => this.logger.warn({ err }, 'board thresholds read failed'))
  }

  private fetchRoster(accountId: string, st: AccountState): void {
    if (this.closed || st.fetching || st.wanted.size === 0) return
    st.fetching = true
    const ids = [...st.wanted]
    st.wanted.clear()
    roster(this.store, accountId, ids).then((rows) => {
      for (const r of rows) st.agents.set(r.id, r)
      this.arm()
    }, (err: unknown) => {
      for (const id of ids) st.wanted.add(id)
      this.logger.warn({ err }, 'board roster read failed')
    }).finally(() => {
      st.fetching = false
      if (st.wanted.size > 0) setTimeout(() => this.fetchRoster(accountId, st), this.tickMs).unref()
    })
  }

  /** Leading edge: a change after a quiet tick goes out at once; later ones wait for the next tick. */
  private arm(): void {
    if (this.timer || this.closed) return
    const wait = Math.max(0, this.lastTick + this.tickMs - Date.now())
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.tick()
    }, wait)
  }

  tick(): void {
    const started = performance.now()
    let built = false
    this.lastTick = Date.now()
    for (const [accountId, st] of this.accounts) {
      const boards = this.hub.boards.get(accountId)
      if (!boards || boards.size === 0) {
        this.accounts.delete(accountId)
        continue
      }
      if (st.engagements.size === 0 && st.erased.size === 0 && st.agents.size === 0 && !st.thresholds) continue
      const engagements = []
      const removed: string[] = [...st.erased]
      for (const e of st.engagements.values()) {
        if (e.endedAt !== null || e.state === 'end') removed.push(e.id)
        else engagements.push(toView(e))
      }
      const frame: Record<string, unknown> = {
        type: 'board.delta', serverTime: this.lastTick, engagements, removedEngagements: removed, agents: [...st.agents.values()],
      }
      if (st.thresholds) frame['thresholds'] = st.thresholds
      st.engagements = new Map()
      st.erased = new Set()
      st.agents = new Map()
      st.thresholds = null
      const text = frameOf(frame)
      built = true
      for (const s of boards) {
        const queue = this.waiting.get(s)
        if (queue) queue.push(text)
        else if (s.send(text)) this.metrics.fanoutFrames++
      }
    }
    if (built) this.metrics.boardTick(performance.now() - started)
  }

  /** Registers the board and sends its snapshot; deltas built meanwhile follow it. */
  async subscribe(s: Session): Promise<void> {
    if (s.board) return
    this.waiting.set(s, [])
    this.hub.setBoard(s, true)
    try {
      const accountId = s.user.accountId
      const [engs, agents, thresholds] = await this.reads.run(() => Promise.all([
        liveEngagements(this.store, accountId, BOARD_MAX_ENGAGEMENTS),
        roster(this.store, accountId),
        getThresholds(this.store, accountId),
      ]))
      s.sendJson({
        type: 'board.snapshot', serverTime: Date.now(),
        engagements: engs.map(toView), agents, thresholds,
      })
      this.metrics.snapshotsSent++
      for (const frame of this.waiting.get(s) ?? []) s.send(frame)
    } catch (err) {
      this.hub.setBoard(s, false)
      throw err
    } finally {
      this.waiting.delete(s)
    }
  }

  unsubscribe(s: Session): void {
    this.waiting.delete(s)
    this.hub.setBoard(s, false)
  }

  close(): void {
    this.closed = true
    clearTimeout(this.timer)
    this.timer = undefined
  }
}
