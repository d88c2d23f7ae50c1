/**
 * Supervisor boards: `board.snapshot` on subscribe, then at most one `board.delta` frame per
 * account per tick (`boardTickMs`), built once and sent to every board of the account on
 * this node. Changes only mark things dirty; keystrokes never produce frames of their own.
 */
import { getThresholds } from '../domain/account-settings.ts'
import type { Engagement } from '../domain/engagement/model.ts'
import { ENGAGEMENT_COLUMNS, ENGAGEMENT_FROM, fromRow, toView, type EngagementRow } from '../domain/engagement/queries.ts'
import type { Logger, Store } from '../store/port.ts'
import type { Hub } from './hub.ts'
import type { Metrics } from './metrics.ts'
import { roster } from './presence.ts'
import type { Session } from './session.ts'

interface Dirty {
  engagements: Map<string, Engagement>
  agents: Set<string>
  thresholds: boolean
}

export class Boards {
  private readonly dirty = new Map<string, Dirty>()
  /** boards waiting for their snapshot: deltas built meanwhile are queued for them */
  private readonly waiting = new Map<Session, string[]>()
  private timer: NodeJS.Timeout | undefined
  private ticking = false
  private readonly store: Store
  private readonly hub: Hub
  private readonly logger: Logger
  private readonly metrics: Metrics
  private readonly tickMs: number

  constructor(store: Store, hub: Hub, logger: Logger, metrics: Metrics, tickMs: number) {
    this.store = store
    this.hub = hub
    this.logger = logger
    this.metrics = metrics
    this.tickMs = tickMs
  }

  private entry(accountId: string): Dirty | undefined {
    if (!this.hub.boards.has(accountId)) return undefined
    let d = this.dirty.get(accountId)
    if (!d) this.dirty.set(accountId, (d = { engagements: new Map(), agents: new Set(), thresholds: false }))
    this.arm()
    return d
  }

  markEngagement(e: Engagement): void {
    this.entry(e.accountId)?.engagements.set(e.id, e)
  }

  markAgent(accountId: string, userId: string): void {
    this.entry(accountId)?.agents.add(userId)
  }

  markThresholds(accountId: string): void {
    const d = this.entry(accountId)
    if (d) d.thresholds = true
  }

  private arm(): void {
    if (this.timer) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.tick()
    }, this.tickMs)
  }

  async tick(): Promise<void> {
    if (this.ticking) {
      this.arm()
      return
    }
    this.ticking = true
    const work = [...this.dirty]
    this.dirty.clear()
    try {
      for (const [accountId, d] of work) {
        const boards = this.hub.boards.get(accountId)
        if (!boards || boards.size === 0) continue
        const engagements = []
        const removed: string[] = []
        for (const e of d.engagements.values()) {
          if (e.endedAt !== null || e.state === 'end') removed.push(e.id)
          else engagements.push(toView(e))
        }
        const agents = d.agents.size > 0 ? await roster(this.store, accountId, [...d.agents]) : []
        const frame: Record<string, unknown> = { type: 'board.delta', serverTime: Date.now(), engagements, removedEngagements: removed, agents }
        if (d.thresholds) frame['thresholds'] = await getThresholds(this.store, accountId)
        const text = JSON.stringify(frame)
        for (const s of boards) {
          const queue = this.waiting.get(s)
          if (queue) queue.push(text)
          else if (s.send(text)) this.metrics.fanoutFrames++
        }
      }
    } catch (err) {
      this.logger.warn({ err }, 'board tick failed; retrying')
      for (const [accountId, d] of work) {
        const cur = this.entry(accountId)
        if (!cur) continue
        for (const [id, e] of d.engagements) if (!cur.engagements.has(id)) cur.engagements.set(id, e)
        for (const a of d.agents) cur.agents.add(a)
        cur.thresholds ||= d.thresholds
      }
    } finally {
      this.ticking = false
    }
  }

  /** Registers the board and sends its snapshot; deltas built meanwhile follow it. */
  async subscribe(s: Session): Promise<void> {
    if (s.board) return
    this.waiting.set(s, [])
    this.hub.setBoard(s, true)
    try {
      const accountId = s.user.accountId
      const [engs, agents, thresholds] = await Promise.all([
        this.store.query<EngagementRow>(
          `select ${ENGAGEMENT_COLUMNS} from ${ENGAGEMENT_FROM}
           where e.account_id = $1 and e.ended_at is null and e.last_seq > 0
           order by e.updated_at desc limit 2000`, [accountId]),
        roster(this.store, accountId),
        getThresholds(this.store, accountId),
      ])
      s.sendJson({
        type: 'board.snapshot', serverTime: Date.now(),
        engagements: engs.rows.map((r) => toView(fromRow(r))), agents, thresholds,
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
    clearTimeout(this.timer)
    this.timer = undefined
  }
}
