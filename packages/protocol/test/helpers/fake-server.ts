/**
 * A real `ws` WebSocketServer with scripted server logic, for sync client tests. It speaks the
 * protocol through the package's own strict parser, so a client sending anything malformed
 * shows up as a parse failure in `rejected`.
 */
import { afterEach } from 'vitest'
import { perTest } from '../../../../tests/support/hooks.ts'
import { WebSocket, WebSocketServer } from 'ws'
import type { AddressInfo } from 'node:net'
import { SyncClient, type SyncClientOptions, type WebSocketConstructor } from '../../src/sync-client.ts'
import { parseClientMessage } from '../../src/parse.ts'
import type { ClientMessage } from '../../src/client-messages.ts'
import type { ServerMessage, LogEvent } from '../../src/server-messages.ts'
import type { EngagementView } from '../../src/common.ts'
import { PROTOCOL_VERSION } from '../../src/version.ts'

export interface Received { conn: number; msg: ClientMessage }

export class FakeServer {
  readonly received: Received[] = []
  readonly rejected: string[] = []
  readonly sockets: WebSocket[] = []
  /** Close codes the server saw, per connection number. */
  readonly closeCodes = new Map<number, number>()
  autoAck = true
  answerPings = true
  /** the `limits.maxFrameBytes` its welcome announces */
  maxFrameBytes = 65536
  /** Per engagement: the log the fake serves on subscribe. */
  readonly logs = new Map<string, LogEvent[]>()
  /** Replaces the default reply for a message; return true when handled. */
  onMessage: ((msg: ClientMessage, ws: WebSocket, conn: number) => boolean) | undefined

  readonly url: string
  readonly #wss: WebSocketServer

  private constructor(wss: WebSocketServer, url: string) {
    this.#wss = wss
    this.url = url
    wss.on('connection', (ws) => this.#accept(ws))
  }

  static async start(): Promise<FakeServer> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await new Promise<void>((resolve) => wss.once('listening', resolve))
    const { port } = wss.address() as AddressInfo
    return new FakeServer(wss, `ws://127.0.0.1:${port}/ws`)
  }

  get connections(): number { return this.sockets.length }
  get last(): WebSocket { return this.sockets.at(-1)! }

  messages(type: ClientMessage['type'], conn?: number): ClientMessage[] {
    return this.received.filter((r) => r.msg.type === type && (conn === undefined || r.conn === conn)).map((r) => r.msg)
  }

  ops(conn?: number): string[] {
    return this.received
      .filter((r) => 'opId' in r.msg && (conn === undefined || r.conn === conn))
      .map((r) => (r.msg as { opId: string }).opId)
  }

  send(msg: ServerMessage | Record<string, unknown>, ws: WebSocket = this.last): void {
    ws.send(JSON.stringify(msg))
  }

  #closed: Promise<void> | undefined

  /** Idempotent: later calls return the first close. */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      for (const ws of this.sockets) ws.terminate()
      this.#wss.close(() => resolve())
    })
    return this.#closed
  }

  #accept(ws: WebSocket): void {
    const conn = this.sockets.push(ws)
    ws.on('close', (code) => this.closeCodes.set(conn, code))
    ws.on('message', (data, isBinary) => {
      const parsed = parseClientMessage(data as Buffer, { maxBytes: 65536, isBinary })
      if (!parsed.ok) {
        this.rejected.push(parsed.code)
        return
      }
      const msg = parsed.message
      this.received.push({ conn, msg })
      if (this.onMessage?.(msg, ws, conn) === true) return
      this.#reply(msg, ws)
    })
  }

  #reply(msg: ClientMessage, ws: WebSocket): void {
    switch (msg.type) {
      case 'hello':
        return this.send(welcome(this.maxFrameBytes), ws)
      case 'ping':
        if (this.answerPings) this.send({ type: 'pong', t: msg.t, serverTime: Date.now() }, ws)
        return
      case 'subscribe': {
        const log = this.logs.get(msg.engagementId) ?? []
        if (msg.afterSeq === undefined) return this.send(snapshot(msg.engagementId, log.length), ws)
        return this.send({ type: 'engagement.events', engagementId: msg.engagementId, events: log.slice(msg.afterSeq) }, ws)
      }
      default:
        if ('opId' in msg && this.autoAck) this.ack(msg.opId, msg.engagementId, ws)
    }
  }

  #seq = 0
  ack(opId: string, engagementId = 'e1', ws: WebSocket = this.last, extra: Record<string, unknown> = {}): void {
    this.send({ type: 'ack', opId, engagementId, seq: ++this.#seq, ...extra }, ws)
  }
}

export function welcome(maxFrameBytes = 65536): ServerMessage {
  return {
    type: 'welcome', protocolVersion: PROTOCOL_VERSION, sessionId: 's1', nodeId: 'n1', serverTime: Date.now(),
    user: { id: 'u1', accountId: 'a1', role: 'agent', displayName: 'Agent One' }, devSignIn: true,
    limits: { maxFrameBytes, opsPerSecond: 50, heartbeatMs: 20000 },
  }
}

export function logEvent(seq: number): LogEvent {
  return { seq, kind: 'focus', actorId: 'u1', opId: `op-${seq}`, at: seq, data: { clientId: 'c' } }
}

export function snapshot(engagementId: string, seq: number): ServerMessage {
  return { type: 'engagement.snapshot', engagementId, seq, engagement: view(engagementId, seq), doc: 'AAA=', whispers: [], reason: 'subscribe' }
}

export function view(id: string, lastSeq: number): EngagementView {
  return {
    id, agentId: 'u1', state: 'active', channel: 'voice', source: null, queueId: null, queueName: null,
    isConference: false, isTransfer: false, transfer: null, consumers: [], variables: {}, startedAt: 1,
    acceptedAt: 1, stateSince: 1, wrapupStartedAt: null, endedAt: null, handleMs: null, wrapupMs: null,
    help: null, notesPreview: '', lastSeq, updatedAt: 1,
  }
}

// The `ws` client must fit the injected constructor type (the browser's: sync-client.test.ts).
const nodeCtor: WebSocketConstructor = WebSocket

/**
 * For a test file: a fresh FakeServer for each test, and `client()`, a SyncClient on it with the
 * tests' defaults (fast backoff), every one closed after its test with the server.
 */
export function fakeServerPerTest(): { readonly server: FakeServer; client(opts?: Partial<SyncClientOptions>): SyncClient } {
  const server = perTest('the FakeServer', () => FakeServer.start(), (s) => s.close())
  const clients: SyncClient[] = []
  afterEach(() => {
    for (const c of clients.splice(0)) c.close()
  })
  return {
    get server() {
      return server()
    },
    client(opts = {}) {
      const c = new SyncClient({
        url: this.server.url, WebSocket: nodeCtor, clientId: 'tab-1', surface: 'agent',
        heartbeatMs: 5_000, backoff: { baseMs: 10, maxMs: 40 }, ...opts,
      })
      clients.push(c)
      return c
    },
  }
}
