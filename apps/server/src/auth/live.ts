/**
 * Live authorization of open sockets: what REST decides on every request, applied to sockets that
 * stay open for hours. Every node keeps the sockets it holds by user and by session; changes go
 * out on the cross-node bus (Postgres NOTIFY on its own channel, published in the transaction that
 * makes the change) and every node applies them to its sockets at once:
 *
 * - role changed: the new role applies to the socket's next message. A socket that holds what the
 *   new role may not have (the supervisor board, or a subscription to an engagement that is not
 *   the user's own) is closed with 4003 FORBIDDEN; any other gets a `role-changed` notice;
 * - user removed: every socket of that user closes with 4003 FORBIDDEN;
 * - session signed out: every socket opened under it closes with 4002 SESSION_EXPIRED;
 * - session expired: the same, from a once-a-second sweep of this node's sockets.
 *
 * After the bus reconnects (events may have been missed meanwhile) every open socket is checked
 * against the database again. Also enforces the per-user cap on open sockets of this node.
 */
import { CLOSE, type Role, type SessionUser } from '@switchboard/protocol'
import type { Db, Listener, Logger, Store } from '../store/port.ts'
import { sessionExpiry, type SessionClaims } from './session-token.ts'

export const AUTH_CHANNEL = 'sb_auth'
const SWEEP_MS = 1000

/** What live authorization needs of a socket (the engine's `Session` is one). */
export interface LiveSocket {
  readonly user: SessionUser
  /** What the engine authorizes ops and reads with, when it keeps one: kept in step with `user`. */
  readonly actor?: { role: Role }
  readonly board: boolean
  readonly subs: ReadonlyMap<string, { accountId: string; engagementId: string; explicit: boolean }>
  readonly closed: boolean
  close(code: number, reason: string): void
  sendJson(msg: object): boolean
}

/** On the bus. Short keys: NOTIFY payloads are small. */
export type AuthEvent =
  /** the user's role is now `r` (null: the user was removed) */
  | { t: 'role'; a: string; u: string; r: Role | null }
  /** session `s` was signed out */
  | { t: 'end'; s: string }

interface Entry {
  socket: LiveSocket
  sid: string
  expiresAt: number
  key: string
}

const userKey = (accountId: string, userId: string): string => `${accountId}\u0000${userId}`

export interface LiveAuthzOptions {
  store: Store
  logger: Logger
  /** Open sockets one user may hold on this node. */
  maxSocketsPerUser: number
  now?: () => number
}

export class LiveAuthz {
  readonly #o: LiveAuthzOptions
  readonly #now: () => number
  readonly #byUser = new Groups()
  readonly #bySession = new Groups()
  #listener: Listener | undefined
  #timer: NodeJS.Timeout | undefined
  #listening = 0
  /** Bus events applied (tests and the bench wait on it). */
  applied = 0

  constructor(o: LiveAuthzOptions) {
    this.#o = o
    this.#now = o.now ?? Date.now
  }

  async start(): Promise<void> {
    this.#listener = await this.#o.store.listen(AUTH_CHANNEL, {
      onNotify: (payload) => this.#receive(payload),
      // After a reconnect, events sent meanwhile are lost: check every socket again.
      onListening: () => {
        if (this.#listening++ > 0) void this.recheckAll()
      },
    })
    this.#timer = setInterval(() => this.sweep(), SWEEP_MS)
    this.#timer.unref()
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer)
    const l = this.#listener
    this.#listener = undefined
    await l?.close()
  }

  /** Whether this user may open one more socket on this node. */
  admit(user: SessionUser): boolean {
    return this.#byUser.size(userKey(user.accountId, user.id)) < this.#o.maxSocketsPerUser
  }

  /** Sockets this node holds for a user. */
  count(accountId: string, userId: string): number {
    return this.#byUser.size(userKey(accountId, userId))
  }

  /**
   * Follows an open socket until the returned function is called (when it closes). A socket over
   * the per-user cap (two upgrades racing past `admit`) is closed at once.
   */
  attach(socket: LiveSocket, claims: SessionClaims): () => void {
    const key = userKey(socket.user.accountId, socket.user.id)
    if (this.#byUser.size(key) >= this.#o.maxSocketsPerUser) {
      socket.close(CLOSE.RATE_LIMITED, 'TOO_MANY_CONNECTIONS')
      return () => {}
    }
    const entry: Entry = { socket, sid: claims.sid, expiresAt: sessionExpiry(claims), key }
    this.#byUser.put(key, entry)
    this.#bySession.put(entry.sid, entry)
    return () => {
      this.#byUser.drop(key, entry)
      this.#bySession.drop(entry.sid, entry)
    }
  }

  /** Sends an event to every node (this one included) when `db`'s transaction commits. */
  async publish(db: Db, event: AuthEvent): Promise<void> {
    await db.query('select pg_notify($1, $2)', [AUTH_CHANNEL, JSON.stringify(event)])
  }

  /** Closes the sockets whose session has expired. */
  sweep(): void {
    const now = this.#now()
    for (const e of this.#bySession.all()) {
      if (e.expiresAt <= now && !e.socket.closed) e.socket.close(CLOSE.SESSION_EXPIRED, 'SESSION_EXPIRED')
    }
  }

  #receive(payload: string): void {
    let event: AuthEvent
    try {
      event = JSON.parse(payload) as AuthEvent
    } catch {
      this.#o.logger.warn({}, 'live authorization: unreadable bus payload')
      return
    }
    this.apply(event)
  }

  /** Applies one event to this node's sockets. */
  apply(event: AuthEvent): void {
    this.applied++
    if (event.t === 'end') {
      for (const e of this.#bySession.of(event.s)) e.socket.close(CLOSE.SESSION_EXPIRED, 'SESSION_EXPIRED')
      return
    }
    if (event.t !== 'role') return
    for (const e of this.#byUser.of(userKey(event.a, event.u))) this.#applyRole(e.socket, event.r)
  }

  #applyRole(socket: LiveSocket, role: Role | null): void {
    if (socket.closed) return
    if (role === null) {
      socket.close(CLOSE.FORBIDDEN, 'FORBIDDEN')
      return
    }
    if (socket.user.role === role) return
    // From this moment the socket's messages are authorized with the new role.
    socket.user.role = role
    if (socket.actor) socket.actor.role = role
    if (role !== 'agent') {
      socket.sendJson({ type: 'notice', code: 'role-changed', message: `Your role is now ${role}.` })
      return
    }
    if (socket.board) {
      socket.close(CLOSE.FORBIDDEN, 'FORBIDDEN')
      return
    }
    void this.#checkSubscriptions(socket)
  }

  /** An agent may follow only their own engagements: one held that is someone else's closes the socket. */
  async #checkSubscriptions(socket: LiveSocket): Promise<void> {
    const ids = [...socket.subs.values()].filter((s) => s.explicit).map((s) => s.engagementId)
    try {
      if (ids.length > 0) {
        const res = await this.#o.store.query(
          'select 1 from engagements where account_id = $1 and id = any($2::text[]) and agent_id is distinct from $3 limit 1',
          [socket.user.accountId, ids, socket.user.id],
        )
        if (res.rowCount > 0) {
          socket.close(CLOSE.FORBIDDEN, 'FORBIDDEN')
          return
        }
      }
      socket.sendJson({ type: 'notice', code: 'role-changed', message: 'Your role is now agent.' })
    } catch (err) {
      // Cannot tell: closing is the safe answer (the client reconnects as an agent).
      this.#o.logger.warn({ err }, 'live authorization: subscription check failed')
      socket.close(CLOSE.FORBIDDEN, 'FORBIDDEN')
    }
  }

  /** Checks every socket of this node against the database (after the bus reconnects). */
  async recheckAll(): Promise<void> {
    const users = new Map<string, { accountId: string; userId: string; sockets: LiveSocket[] }>()
    for (const e of this.#byUser.all()) {
      const s = e.socket
      const item = users.get(e.key) ?? { accountId: s.user.accountId, userId: s.user.id, sockets: [] }
      item.sockets.push(s)
      users.set(e.key, item)
    }
    if (users.size === 0) return
    try {
      const list = [...users.values()]
      const rows = await this.#o.store.query<{ account_id: string; id: string; role: Role }>(
        `select u.account_id, u.id, u.role from users u
         join unnest($1::text[], $2::text[]) as k(a, i) on u.account_id = k.a and u.id = k.i`,
        [list.map((x) => x.accountId), list.map((x) => x.userId)],
      )
      const roles = new Map(rows.rows.map((r) => [userKey(r.account_id, r.id), r.role]))
      for (const [key, item] of users) {
        const role = roles.get(key) ?? null
        for (const s of item.sockets) this.#applyRole(s, role)
      }
      const sids = [...this.#bySession.keys()]
      const revoked = await this.#o.store.query<{ session_id: string }>(
        'select session_id from revoked_sessions where session_id = any($1::text[])', [sids])
      for (const r of revoked.rows) this.apply({ t: 'end', s: r.session_id })
    } catch (err) {
      this.#o.logger.warn({ err }, 'live authorization: recheck after reconnect failed')
    }
  }
}

/** Entries grouped by a key (user, session); a group disappears with its last entry. */
class Groups {
  readonly #m = new Map<string, Set<Entry>>()

  put(k: string, e: Entry): void {
    const set = this.#m.get(k)
    if (set) set.add(e)
    else this.#m.set(k, new Set([e]))
  }

  drop(k: string, e: Entry): void {
    const set = this.#m.get(k)
    if (set?.delete(e) && set.size === 0) this.#m.delete(k)
  }

  size(k: string): number {
    return this.#m.get(k)?.size ?? 0
  }

  /** A copy: closing a socket may change the group while the caller walks it. */
  of(k: string): Entry[] {
    return [...(this.#m.get(k) ?? [])]
  }

  keys(): string[] {
    return [...this.#m.keys()]
  }

  *all(): Generator<Entry> {
    for (const set of this.#m.values()) yield* set
  }
}
