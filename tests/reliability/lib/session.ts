/**
 * One client session of a scenario: the protocol's SyncClient over a real `ws` socket that the
 * scenario can force-close, routed to a server node chosen per connection attempt (a client
 * load balancer), keeping what it received: a notes Y.Doc per followed engagement (from
 * snapshots and rows), the highest seq seen, row deliveries, reconnect and catch-up times.
 */
import WebSocket from 'ws'
import * as Y from 'yjs'
import { MemoryOutbox } from '@switchboard/protocol/outbox'
import { SyncClient, type WebSocketConstructor } from '@switchboard/protocol/sync-client'
import type { ServerMessage } from '@switchboard/protocol'
import { mintWsToken } from '../../bench/fleet.ts'

export interface Endpoint {
  nodeId: string
  url: string
  wsUrl: string
}

export interface SessionSpec {
  name: string
  accountId: string
  userId: string
  role: 'agent' | 'supervisor' | 'admin'
  surface: 'agent' | 'supervisor' | 'other'
  secret: string
  /** the node for this connection attempt */
  route: (attempt: number) => Endpoint
  heartbeatMs?: number
}

interface CatchUp {
  t0: number
  welcomedAt: number | null
  /** engagement -> seq to reach (the highest acked seq known when the socket was cut) */
  targets: Map<string, number> | null
}

/** A `ws` class that sends each connection attempt to the node `spec.route` picks for it. */
function routedWebSocket(spec: SessionSpec, onSocket: (ws: WebSocket) => void, attempt: () => number): WebSocketConstructor {
  class Routed extends WebSocket {
    constructor(url: string) {
      const ep = spec.route(attempt())
      const u = new URL(url)
      u.host = new URL(ep.wsUrl).host
      super(u.toString(), { origin: ep.url, perMessageDeflate: false, handshakeTimeout: 5_000 })
      onSocket(this)
    }
  }
  return Routed as unknown as WebSocketConstructor
}

export class TrackedSession {
  readonly spec: SessionSpec
  readonly client: SyncClient
  ws: WebSocket | null = null
  nodeId: string | null = null
  readonly docs = new Map<string, Y.Doc>()
  readonly maxSeq = new Map<string, number>()
  /** rows received as events, per engagement */
  readonly rowsSeen = new Map<string, Set<number>>()
  snapshots = 0
  welcomes = 0
  forcedCloses = 0
  readonly errors: Record<string, number> = {}
  readonly notices: Record<string, number> = {}
  readonly nodesSeen = new Set<string>()
  readonly closeCodes: number[] = []
  /** board view: engagement -> lastSeq (boards only) */
  readonly board = new Map<string, number>()
  boardRemoved = new Set<string>()
  #catchUp: CatchUp | null = null
  /** connection attempts so far (the route picks a node per attempt) */
  attempts = 0
  readonly reconnectMs: number[] = []
  readonly catchUpMs: number[] = []
  /** provides targets for catch-up timing: the highest acked seq per engagement right now */
  knownSeq: (engagementId: string) => number = () => 0

  constructor(spec: SessionSpec, clientId: string) {
    this.spec = spec
    const Routed = routedWebSocket(spec, (ws) => {
      this.attempts++
      this.ws = ws
      ws.on('close', (code) => this.closeCodes.push(code))
    }, () => this.attempts)
    this.client = new SyncClient({
      url: spec.route(0).wsUrl,
      WebSocket: Routed,
      clientId,
      surface: spec.surface,
      outbox: new MemoryOutbox(),
      getToken: () => mintWsToken(spec.secret, { accountId: spec.accountId, userId: spec.userId, name: spec.name, role: spec.role as 'agent' }),
      heartbeatMs: spec.heartbeatMs ?? 5_000,
      backoff: { baseMs: 200, maxMs: 2_000 },
      maxInFlight: 64,
    })
    this.client.on('welcome', (w) => {
      this.welcomes++
      this.nodeId = w.nodeId
      this.nodesSeen.add(w.nodeId)
      if (this.#catchUp && this.#catchUp.welcomedAt === null) {
        this.#catchUp.welcomedAt = performance.now()
        this.reconnectMs.push(this.#catchUp.welcomedAt - this.#catchUp.t0)
        const targets = new Map<string, number>()
        for (const e of this.docs.keys()) targets.set(e, this.knownSeq(e))
        this.#catchUp.targets = targets
        this.#checkCaughtUp()
      }
    })
    this.client.on('message', (m) => this.#onMessage(m))
    // The server does not send a session its own notes rows back (protocol 5): the ack is the row.
    this.client.on('ack', (a) => {
      if (a.op.type !== 'doc.update' || a.duplicate) return
      const doc = this.docs.get(a.engagementId)
      if (!doc) return
      Y.applyUpdate(doc, Buffer.from(a.op.update, 'base64'))
      let seen = this.rowsSeen.get(a.engagementId)
      if (!seen) this.rowsSeen.set(a.engagementId, (seen = new Set()))
      seen.add(a.seq)
      this.maxSeq.set(a.engagementId, Math.max(this.maxSeq.get(a.engagementId) ?? 0, a.seq))
      this.#checkCaughtUp()
    })
  }

  async start(timeoutMs = 30_000): Promise<void> {
    const welcomed = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.spec.name}: no welcome within ${timeoutMs} ms`)), timeoutMs)
      const off = this.client.on('welcome', () => {
        clearTimeout(timer)
        off()
        resolve()
      })
    })
    await this.client.start()
    await welcomed
  }

  follow(engagementId: string): void {
    if (!this.docs.has(engagementId)) this.docs.set(engagementId, new Y.Doc())
    this.client.subscribe(engagementId)
  }

  /** Cuts the TCP connection without a close handshake; the client notices and reconnects. */
  forceClose(): boolean {
    const ws = this.ws
    if (!ws || ws.readyState !== WebSocket.OPEN || this.client.state !== 'open') return false
    this.forcedCloses++
    this.#catchUp = { t0: performance.now(), welcomedAt: null, targets: null }
    ws.terminate()
    return true
  }

  text(engagementId: string): string {
    return this.docs.get(engagementId)?.getText('notes').toString() ?? ''
  }

  #onMessage(m: ServerMessage): void {
    switch (m.type) {
      case 'engagement.snapshot': {
        this.snapshots++
        const doc = this.docs.get(m.engagementId) ?? new Y.Doc()
        this.docs.set(m.engagementId, doc)
        if (m.doc !== '') Y.applyUpdate(doc, Buffer.from(m.doc, 'base64'))
        this.maxSeq.set(m.engagementId, Math.max(this.maxSeq.get(m.engagementId) ?? 0, m.seq))
        break
      }
      case 'engagement.events': {
        const doc = this.docs.get(m.engagementId)
        if (!doc) break // pushed to an agent session for an engagement it does not follow here
        let seen = this.rowsSeen.get(m.engagementId)
        if (!seen) this.rowsSeen.set(m.engagementId, (seen = new Set()))
        for (const ev of m.events) {
          seen.add(ev.seq)
          if (ev.kind === 'doc' && ev.update) Y.applyUpdate(doc, Buffer.from(ev.update, 'base64'))
          this.maxSeq.set(m.engagementId, Math.max(this.maxSeq.get(m.engagementId) ?? 0, ev.seq))
        }
        break
      }
      case 'board.snapshot':
        this.board.clear()
        for (const e of m.engagements) this.board.set(e.id, e.lastSeq)
        break
      case 'board.delta':
        for (const e of m.engagements) this.board.set(e.id, Math.max(this.board.get(e.id) ?? 0, e.lastSeq))
        for (const id of m.removedEngagements) this.boardRemoved.add(id)
        break
      case 'error':
        this.errors[m.code] = (this.errors[m.code] ?? 0) + 1
        break
      case 'notice':
        this.notices[m.code] = (this.notices[m.code] ?? 0) + 1
        break
    }
    this.#checkCaughtUp()
  }

  #checkCaughtUp(): void {
    const c = this.#catchUp
    if (!c || !c.targets) return
    for (const [e, seq] of c.targets) if ((this.maxSeq.get(e) ?? 0) < seq) return
    this.catchUpMs.push(performance.now() - c.t0)
    this.#catchUp = null
  }

  close(): void {
    this.client.close()
    for (const d of this.docs.values()) d.destroy()
  }
}
