/**
 * The cross-node bus: Postgres LISTEN/NOTIFY on one channel, ids only (NOTIFY caps payloads
 * at 8000 bytes and serializes commits, so a batch sends one NOTIFY, or a few when its id
 * list is long). In PGlite mode the same code runs on PGlite's in-process NOTIFY.
 */
import type { Db, Listener, Logger, Store } from '../store/port.ts'

export const BUS_CHANNEL = 'sb_bus'
const MAX_PAYLOAD = 7000

/** What one node tells the others. Short keys keep payloads small. */
export interface BusMessage {
  /** sender node id */
  n: string
  /** committed log rows: [accountId, engagementId, firstSeq, lastSeq] of one batch */
  e?: [string, string, number, number][]
  /** presence changed: [accountId, userId] */
  p?: [string, string][]
  /** account settings changed: accountIds */
  s?: string[]
  /** engagements erased (retention purge or an admin's erasure): [accountId, engagementId, agentId] */
  x?: [string, string, string][]
}

export interface BusHandlers {
  onMessage(msg: BusMessage): void
  /** (Re)connected: catch up from the log for everything subscribed. */
  onListening(): void
  onLost(err: Error): void
}

export class Bus {
  private listener: Listener | undefined
  listening = false
  reconnects = 0
  private readonly store: Store
  private readonly nodeId: string
  private readonly logger: Logger
  private readonly handlers: BusHandlers

  constructor(store: Store, nodeId: string, logger: Logger, handlers: BusHandlers) {
    this.store = store
    this.nodeId = nodeId
    this.logger = logger
    this.handlers = handlers
  }

  async start(): Promise<void> {
    let first = true
    this.listener = await this.store.listen(BUS_CHANNEL, {
      onNotify: (payload) => {
        let msg: BusMessage
        try {
          msg = JSON.parse(payload) as BusMessage
        } catch {
          this.logger.warn({ payload: payload.slice(0, 200) }, 'bus: unreadable payload')
          return
        }
        if (msg.n === this.nodeId) return
        this.handlers.onMessage(msg)
      },
      onListening: () => {
        this.listening = true
        if (!first) this.reconnects++
        first = false
        this.handlers.onListening()
      },
      onLost: (err) => {
        this.listening = false
        this.handlers.onLost(err)
      },
    })
  }

  /** The NOTIFY payloads for a message from this node (for callers that batch the NOTIFY into a statement). */
  payloads(msg: Omit<BusMessage, 'n'>): string[] {
    return encode({ n: this.nodeId, ...msg })
  }

  /** Publishes inside the caller's transaction, so it goes out exactly when that commits. */
  async publish(db: Db, msg: Omit<BusMessage, 'n'>): Promise<void> {
    for (const payload of encode({ n: this.nodeId, ...msg })) {
      await db.query('select pg_notify($1, $2)', [BUS_CHANNEL, payload])
    }
  }

  async close(): Promise<void> {
    const l = this.listener
    this.listener = undefined
    this.listening = false
    await l?.close()
  }
}

/** Splits a message whose JSON would exceed the NOTIFY limit into several. */
export function encode(msg: BusMessage): string[] {
  const whole = JSON.stringify(msg)
  if (whole.length <= MAX_PAYLOAD) return [whole]
  const out: string[] = []
  let cur: BusMessage = { n: msg.n }
  let size = 20 + msg.n.length
  const flush = () => {
    if (cur.e || cur.p || cur.s || cur.x) out.push(JSON.stringify(cur))
    cur = { n: msg.n }
    size = 20 + msg.n.length
  }
  const add = <K extends 'e' | 'p' | 's' | 'x'>(k: K, item: NonNullable<BusMessage[K]>[number]) => {
    const len = JSON.stringify(item).length + 1
    if (size + len > MAX_PAYLOAD) flush()
    const list = (cur[k] ?? []) as unknown[]
    list.push(item)
    ;(cur as unknown as Record<string, unknown>)[k] = list
    size += len + 6
  }
  for (const item of msg.e ?? []) add('e', item)
  for (const item of msg.p ?? []) add('p', item)
  for (const item of msg.s ?? []) add('s', item)
  for (const item of msg.x ?? []) add('x', item)
  flush()
  return out
}
