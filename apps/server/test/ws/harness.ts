/**
 * Real servers for engine tests: `buildApp` on a real store, listening on 127.0.0.1:0, and
 * real `ws` clients authenticated with real signed tokens (users created in the database).
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import type { FastifyInstance } from 'fastify'
import WebSocket from 'ws'
import { messagesOf, PROTOCOL_VERSION, type Role } from '@switchboard/protocol'
import { buildApp } from '../../src/app.ts'
import { newSessionId, signToken } from '../../src/auth/session-token.ts'
import { upsertUser } from '../../src/auth/users.ts'
import { loadConfig, type Config } from '../../src/config.ts'
import { openStore } from '../../src/store/index.ts'
import { migrate } from '../../src/store/migrate.ts'
import type { Store } from '../../src/store/port.ts'
import type { Logger } from '../../src/logger.ts'
import { createTestDatabase, silentLogger } from '../store/test-db.ts'
import type { ThrowawayDb } from '../../../../tests/support/pg.ts'
import { waitFor } from '../../../../tests/support/wait.ts'

export const SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz'

export interface Node {
  app: FastifyInstance
  store: Store
  config: Config
  url: string
  close(): Promise<void>
}

/** `wrapStore` lets a test put itself between the app and the real store (to delay or observe it). */
export async function startNode(opts: {
  databaseUrl?: string; dataDir?: string; nodeId?: string; env?: Record<string, string>; wrapStore?: (store: Store) => Store
  /** the app's logger (default: one at LOG_LEVEL, silent unless SB_TEST_LOG) */
  logger?: Logger
}): Promise<Node> {
  const env: Record<string, string> = {
    PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: process.env['SB_TEST_LOG'] ?? 'silent', AUTH_MODE: 'dev', SESSION_SECRET: SECRET,
    NODE_ID: opts.nodeId ?? `node-${randomUUID().slice(0, 6)}`, BOARD_TICK_MS: '50', GROUP_COMMIT_MS: '2',
    PUBLIC_URL: 'http://localhost:3000', DATA_DIR: opts.dataDir ?? '/tmp/sb-unused',
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    ...opts.env,
  }
  const config = loadConfig(env)
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger: silentLogger })
  await migrate(store)
  let app: FastifyInstance
  try {
    app = await buildApp({
      config, store: opts.wrapStore ? opts.wrapStore(store) : store, webRoot: '/nonexistent', ...(opts.logger ? { logger: opts.logger } : {}),
    })
  } catch (error) {
    await store.close()
    throw error
  }
  await app.listen({ port: 0, host: '127.0.0.1' })
  const addr = app.server.address()
  const port = typeof addr === 'object' && addr ? addr.port : 0
  return {
    app, store, config, url: `http://127.0.0.1:${port}`,
    async close() {
      await app.close()
      await store.close()
    },
  }
}

/**
 * Nodes for a whole test file: started before its tests on one fresh Postgres database (`pg`) or
 * on PGlite in a temporary DATA_DIR (one node only), the users created; closed after the file,
 * and the database dropped. The returned nodes forward to the started ones, so a file declares
 * them at the top and uses them inside its tests and hooks.
 */
interface NodesForFile { pg?: boolean; users?: readonly TestUser[]; env?: Record<string, string>; wrapStore?: (store: Store) => Store }
export function nodesForFile(o: NodesForFile & { count: 2 }): [Node, Node]
export function nodesForFile(o: NodesForFile & { count?: number }): Node[]
export function nodesForFile(o: NodesForFile & { count?: number }): Node[] {
  const count = o.count ?? 1
  if (!o.pg && count > 1) throw new Error('several nodes need one Postgres database (pg: true)')
  const started: Node[] = []
  let db: ThrowawayDb | undefined
  let dir: string | undefined
  beforeAll(async () => {
    if (o.pg) db = await createTestDatabase()
    else dir = mkdtempSync(join(tmpdir(), 'sb-node-'))
    for (let i = 0; i < count; i++) {
      started.push(await startNode({
        ...(db ? { databaseUrl: db.url } : { dataDir: dir! }), ...(count > 1 ? { nodeId: `node-${'abcdefgh'[i]}` } : {}),
        ...(o.env ? { env: o.env } : {}), ...(o.wrapStore ? { wrapStore: o.wrapStore } : {}),
      }))
    }
    for (const u of o.users ?? []) await createUser(started[0]!.store, u)
  }, 60_000)
  afterAll(async () => {
    for (const n of started) await n.close()
    await db?.drop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })
  return Array.from({ length: count }, (_, i) => {
    const get = () => started[i] ?? (() => { throw new Error('the node starts in beforeAll: use it inside tests and hooks') })()
    return {
      get app() { return get().app },
      get store() { return get().store },
      get config() { return get().config },
      get url() { return get().url },
      close: () => get().close(),
    }
  })
}

/** One node for a whole test file (see `nodesForFile`). */
export function nodeForFile(o: NodesForFile = {}): Node {
  return nodesForFile(o)[0]!
}

export interface TestUser { accountId: string; id: string; role: Role; name: string }

export async function createUser(store: Store, u: TestUser): Promise<TestUser> {
  await upsertUser(store, { accountId: u.accountId, userId: u.id, role: u.role, displayName: u.name })
  return u
}

export function wsToken(u: TestUser): string {
  const now = Date.now()
  return signToken(SECRET, { k: 'ws', sid: newSessionId(), sub: u.id, acc: u.accountId, role: u.role, name: u.name, cred: 'dev-signin', iat: now, exp: now + 600_000 })
}

export type Msg = Record<string, unknown> & { type: string }

/** A real ws client that records every message it receives (a `batch` frame's one by one). */
export class Client {
  readonly ws: WebSocket
  readonly received: Msg[] = []
  /** every frame as it came (a `batch` as one) */
  readonly frames: Msg[] = []
  closeCode: number | undefined
  closeReason = ''
  readonly opened: Promise<void>

  constructor(url: string, opts: { token?: string; headers?: Record<string, string> } = {}) {
    const wsUrl = `${url.replace(/^http/, 'ws')}/ws${opts.token ? `?token=${encodeURIComponent(opts.token)}` : ''}`
    this.ws = new WebSocket(wsUrl, { headers: opts.headers })
    this.ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Msg
      this.frames.push(frame)
      this.received.push(...messagesOf(frame))
    })
    this.ws.on('close', (code, reason) => {
      this.closeCode = code
      this.closeReason = String(reason)
    })
    this.ws.on('error', () => {})
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve())
      this.ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })))
      this.ws.once('error', reject)
    })
  }

  static connect(node: Node, user: TestUser, surface: 'agent' | 'supervisor' | 'other' = 'agent'): Promise<Client> {
    return Client.withToken(node, wsToken(user), surface)
  }

  /** Opened with `token` (one the server handed out, say), hello sent, welcome received. */
  static async withToken(node: Node, token: string, surface: 'agent' | 'supervisor' | 'other' = 'agent'): Promise<Client> {
    const c = new Client(node.url, { token })
    await c.opened
    c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: randomUUID(), surface })
    await c.next('welcome')
    return c
  }

  /** A supervisor surface with its board subscribed and the snapshot received. */
  static async board(node: Node, user: TestUser): Promise<Client> {
    const c = await Client.connect(node, user, 'supervisor')
    c.send({ type: 'board.subscribe' })
    await c.next('board.snapshot')
    return c
  }

  /** Observes an engagement (as the agent's SDK does) and waits for the answer. */
  async observe(engagementId: string, extra: Record<string, unknown> = {}): Promise<Msg> {
    const ob = observe(engagementId, extra)
    this.send(ob)
    return this.reply(ob.opId as string)
  }

  /** Subscribes to an engagement (a watcher) and waits for its snapshot. */
  async watch(engagementId: string): Promise<Msg> {
    this.send({ type: 'subscribe', engagementId })
    return this.next('engagement.snapshot', (m) => m['engagementId'] === engagementId)
  }

  send(msg: unknown): void {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg))
  }

  of(type: string): Msg[] {
    return this.received.filter((m) => m.type === type)
  }

  /** Waits for the first message (at or after `from`) matching type and predicate. */
  next(type: string, pred: (m: Msg) => boolean = () => true, timeout = 5000): Promise<Msg> {
    return waitFor(() => this.received.find((m) => m.type === type && pred(m)), timeout,
      () => `timed out waiting for ${type}; got ${this.received.map((m) => m.type).join(',')}`)
  }

  ack(opId: string): Promise<Msg> {
    return this.next('ack', (m) => m['opId'] === opId)
  }

  /** The ack or error answering `opId`. */
  reply(opId: string, timeout = 5000): Promise<Msg> {
    return waitFor(() => this.received.find((m) => (m.type === 'ack' || m.type === 'error') && m['opId'] === opId), timeout,
      () => `no reply for ${opId}`)
  }

  /** Sends an op (with a new opId unless it has one) and waits for its ack or error. */
  op(msg: Record<string, unknown>): Promise<Msg> {
    const sent = { opId: opId(), ...msg }
    this.send(sent)
    return this.reply(sent.opId as string)
  }

  closed(timeout = 5000): Promise<number> {
    return waitFor(() => this.closeCode, timeout, () => 'socket did not close')
  }

  close(): void {
    this.ws.close()
  }
}

export const opId = (): string => randomUUID()

/** The agent in two sessions (two tabs or devices) and the supervisor's board, connected in that order. */
export async function twoSessionsAndBoard(node: Node, agent: TestUser, sup: TestUser): Promise<[Client, Client, Client]> {
  const a1 = await Client.connect(node, agent)
  const a2 = await Client.connect(node, agent)
  return [a1, a2, await Client.board(node, sup)]
}

export function observe(engagementId: string, extra: Record<string, unknown> = {}): Msg {
  return {
    type: 'engagement.observe', opId: opId(), engagementId,
    context: { engagementId, startTime: Date.now() - 1000, queueId: 'q1', queueName: 'Support' },
    status: { state: 'active', channel: 'voice' }, at: Date.now(), ...extra,
  }
}
