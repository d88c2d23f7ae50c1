/**
 * Who is connected to this node and what each follows, and the fan-out of committed log
 * rows and projections to them. Frames are serialized once and sent to many; a session
 * whose position does not line up with a frame (a gap) is caught up from the log instead.
 */
import { key, toLogEvent, toView, type Engagement, type LogRow } from '../domain/engagement/model.ts'
import { BATCH_PROTOCOL_VERSION, type Session, type Subscription } from './session.ts'

export class Hub {
  readonly sessions = new Set<Session>()
  /** account -> sessions */
  private readonly byAccount = new Map<string, Set<Session>>()
  /** account\0user -> every session of that user (any surface) */
  private readonly byUser = new Map<string, Set<Session>>()
  /** engagement key -> sessions holding a subscription */
  private readonly byEngagement = new Map<string, Set<Session>>()
  /** account -> sessions with a board */
  readonly boards = new Map<string, Set<Session>>()
  /** Called when a subscription falls behind (gap): fan-out reads the rows after `sub.lastSeq` and delivers them. */
  private readonly catchUp: (session: Session, sub: Subscription) => void

  constructor(onGap: (session: Session, sub: Subscription) => void) {
    this.catchUp = onGap
  }

  add(s: Session): void {
    this.sessions.add(s)
    addTo(this.byAccount, s.user.accountId, s)
    addTo(this.byUser, key(s.user.accountId, s.user.id), s)
  }

  remove(s: Session): void {
    this.sessions.delete(s)
    removeFrom(this.byAccount, s.user.accountId, s)
    removeFrom(this.byUser, key(s.user.accountId, s.user.id), s)
    removeFrom(this.boards, s.user.accountId, s)
    for (const k of s.subs.keys()) removeFrom(this.byEngagement, k, s)
    s.subs.clear()
  }

  hasAccount(accountId: string): boolean {
    return (this.byAccount.get(accountId)?.size ?? 0) > 0
  }

  accountSessions(accountId: string): Iterable<Session> {
    return this.byAccount.get(accountId) ?? []
  }

  /** Every live session of one user on this node (any surface, before hello too): to re-check or close them. */
  userSessions(accountId: string, userId: string): ReadonlySet<Session> {
    return this.byUser.get(key(accountId, userId)) ?? EMPTY
  }

  /** A user's agent-surface sessions after hello: they follow everything about the user's engagements. */
  *agentSessions(accountId: string, userId: string): Iterable<Session> {
    for (const s of this.userSessions(accountId, userId)) if (s.surface === 'agent') yield s
  }

  subscribe(s: Session, accountId: string, engagementId: string, explicit: boolean, lastSeq: number, ready: boolean): Subscription {
    const k = key(accountId, engagementId)
    let sub = s.subs.get(k)
    if (sub) {
      sub.explicit ||= explicit
      return sub
    }
    sub = { accountId, engagementId, lastSeq, explicit, ready, pending: [], catchingUp: false }
    s.subs.set(k, sub)
    addTo(this.byEngagement, k, s)
    return sub
  }

  unsubscribe(s: Session, accountId: string, engagementId: string): void {
    const k = key(accountId, engagementId)
    s.subs.delete(k)
    removeFrom(this.byEngagement, k, s)
  }

  /**
   * The engagement was erased: every session that follows it (watchers, the agent's sessions)
   * gets `engagement.erased` and stops following it. Returns the sessions told.
   */
  forget(accountId: string, engagementId: string, agentId: string): number {
    const k = key(accountId, engagementId)
    const targets = new Set<Session>(this.byEngagement.get(k) ?? [])
    for (const s of this.agentSessions(accountId, agentId)) targets.add(s)
    const frame = frameOf({ type: 'engagement.erased', engagementId })
    for (const s of targets) {
      this.unsubscribe(s, accountId, engagementId)
      if (s.focus === engagementId) s.focus = null
      s.send(frame)
    }
    return targets.size
  }

  setBoard(s: Session, on: boolean): void {
    s.board = on
    if (on) addTo(this.boards, s.user.accountId, s)
    else removeFrom(this.boards, s.user.accountId, s)
  }

  /**
   * Delivers the new rows of one engagement (seq order) to its watchers and its agent's
   * sessions, plus `engagement.changed` when the projection changed in a way they show.
   * `previousAgentId` is set when ownership moved: that agent's sessions stop following.
   * `senders` maps the notes rows (`doc`) written by a session of this node to that session's
   * id: a session in line is not sent its own notes rows (it has them; its ack carried the seq),
   * only moved past them. Frames are queued for the end of the tick (one frame per session).
   */
  deliver(e: Engagement, rows: readonly LogRow[], changed: boolean, previousAgentId?: string, senders?: ReadonlyMap<LogRow, string>): number {
    const k = key(e.accountId, e.id)
    // Watchers, then the agent's sessions that do not hold a subscription yet (no Set copy and no
    // generator per engagement: this runs for every engagement of every batch).
    const subscribed = this.byEngagement.get(k)
    const targets: Session[] = subscribed ? [...subscribed] : []
    for (const s of this.userSessions(e.accountId, e.agentId)) if (s.surface === 'agent' && !subscribed?.has(s)) targets.push(s)
    let sent = 0
    // Serialized and UTF-8 encoded once for every recipient.
    let eventsFrame: Buffer | undefined
    let changedFrame: Buffer | undefined
    const first = rows[0]
    let writers: Set<string> | undefined
    if (senders && senders.size > 0) {
      for (const r of rows) {
        const id = senders.get(r)
        if (id !== undefined) (writers ??= new Set()).add(id)
      }
    }
    for (const s of targets) {
      if (s.closed) continue
      if (first) {
        let sub = s.subs.get(k)
        if (!sub) {
          // An agent session follows its engagements live from now on.
          if (s.user.id !== e.agentId) continue
          sub = this.subscribe(s, e.accountId, e.id, false, first.seq - 1, true)
        }
        if (!sub.ready) {
          sub.pending.push(...rows)
        } else if (sub.lastSeq === first.seq - 1) {
          if (writers?.has(s.id) && s.protocolVersion >= BATCH_PROTOCOL_VERSION) {
            const others = rows.filter((r) => senders!.get(r) !== s.id)
            if (others.length > 0 && s.enqueue(frameOf({ type: 'engagement.events', engagementId: e.id, events: others.map(toLogEvent) }))) sent++
          } else {
            eventsFrame ??= frameOf({ type: 'engagement.events', engagementId: e.id, events: rows.map(toLogEvent) })
            if (s.enqueue(eventsFrame)) sent++
          }
          sub.lastSeq = rows[rows.length - 1]!.seq
        } else {
          this.deliverTo(s, sub, rows)
        }
      }
      if (changed) {
        changedFrame ??= frameOf({ type: 'engagement.changed', engagement: toView(e) })
        s.enqueue(changedFrame)
      }
    }
    if (previousAgentId && previousAgentId !== e.agentId) {
      changedFrame ??= frameOf({ type: 'engagement.changed', engagement: toView(e) })
      for (const s of this.agentSessions(e.accountId, previousAgentId)) {
        s.enqueue(changedFrame)
        if (s.user.role === 'agent') this.unsubscribe(s, e.accountId, e.id)
      }
    }
    return sent
  }

  /** Rows for one session that is not exactly in line: drop what it has, catch up on a gap. */
  deliverTo(s: Session, sub: Subscription, rows: readonly LogRow[]): void {
    if (!sub.ready) {
      sub.pending.push(...rows)
      return
    }
    const fresh: LogRow[] = []
    let last = sub.lastSeq
    for (const r of rows) {
      if (r.seq > last) {
        fresh.push(r)
        last = r.seq
      }
    }
    if (fresh.length === 0) return
    if (fresh[0]!.seq !== sub.lastSeq + 1) {
      this.catchUp(s, sub)
      return
    }
    s.sendJson({ type: 'engagement.events', engagementId: sub.engagementId, events: fresh.map(toLogEvent) })
    sub.lastSeq = fresh[fresh.length - 1]!.seq
  }

  /** Marks a subscription ready after its snapshot/catch-up and flushes what arrived meanwhile. */
  release(s: Session, sub: Subscription): void {
    sub.ready = true
    const pending = sub.pending
    sub.pending = []
    if (pending.length > 0) this.deliverTo(s, sub, pending.sort((a, b) => a.seq - b.seq))
  }

  broadcast(frame: string): void {
    const bytes = Buffer.from(frame)
    for (const s of this.sessions) s.send(bytes)
  }
}

const EMPTY: ReadonlySet<Session> = new Set()

/** One frame's JSON as UTF-8 bytes, to send to many sockets without re-encoding per socket. */
export function frameOf(msg: object): Buffer {
  return Buffer.from(JSON.stringify(msg))
}

function addTo<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  let set = m.get(k)
  if (!set) m.set(k, (set = new Set()))
  set.add(v)
}

function removeFrom<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  const set = m.get(k)
  if (!set) return
  set.delete(v)
  if (set.size === 0) m.delete(k)
}
