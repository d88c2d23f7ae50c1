/**
 * The load of the fault scenarios: agents typing notes into their engagements (a Yjs update per
 * tick, each keystroke group a unique token so a lost or doubled update shows in the text) and
 * toggling status now and then; every agent has a second session and supervisors watch every
 * engagement and a board. Every op's id is ours, so sent / acked / stored / delivered can be
 * counted exactly. Seeded, bounded in time, all on 127.0.0.1.
 */
import { randomBytes } from 'node:crypto'
import * as Y from 'yjs'
import { v7 as uuidv7 } from 'uuid'
import type { ClientOpInput } from '@switchboard/protocol/sync-client'
import { rng } from '../../bench/topology.ts'
import { mapLimit, sleep } from '../../bench/limit.ts'
import type { RelDb } from './db.ts'
import { TrackedSession, type Endpoint } from './session.ts'

export interface WorkloadOptions {
  runId: string
  accountId: string
  secret: string
  endpoints: () => Endpoint[]
  agents: number
  engagementsPerAgent: number
  /** supervisor sessions, each following every engagement */
  watchers: number
  /** one op per agent per tick */
  tickMs: number
  seed: number
  /** 'sticky': session i stays on node i % n; 'random': any node per connection attempt */
  routing: 'sticky' | 'random'
}

/** The size of a scenario's load: agents × engagements, watchers, one op per agent per tick. */
export interface WorkloadShape {
  agents: number
  engagements: number
  watchers: number
  tickMs: number
}

/**
 * A workload on a fresh account of its own on `cluster`'s nodes: users seeded into `db`, every
 * session connected and welcomed, not started yet. Closed again if the setup fails.
 */
export async function accountWorkload(
  cluster: { nodes: Endpoint[]; secret: string }, db: RelDb, shape: WorkloadShape,
  opts: { seed: number; routing: WorkloadOptions['routing'] },
): Promise<Workload> {
  const runId = randomBytes(3).toString('hex')
  const w = new Workload({
    runId, accountId: `acc-rel-${runId}`, secret: cluster.secret, endpoints: () => cluster.nodes,
    agents: shape.agents, engagementsPerAgent: shape.engagements, watchers: shape.watchers, tickMs: shape.tickMs,
    seed: opts.seed, routing: opts.routing,
  })
  try {
    await w.seed(db)
    await w.setup()
  } catch (err) {
    w.close()
    throw err
  }
  return w
}

export interface Agent {
  index: number
  userId: string
  primary: TrackedSession
  second: TrackedSession
  engagements: string[]
  local: Map<string, Y.Doc>
  pending: Map<string, Uint8Array[]>
  tokens: number
}

export class Workload {
  readonly o: WorkloadOptions
  readonly agents: Agent[] = []
  readonly watchers: TrackedSession[] = []
  readonly rand: () => number
  /** opId -> op kind, for every op handed to a client */
  readonly sent = new Map<string, { kind: string; engagementId: string; agent: number }>()
  readonly acked = new Map<string, { seq: number; duplicate: boolean }>()
  readonly rejected: Array<{ opId: string; code: string }> = []
  /** highest acked seq per engagement (targets for catch-up timing) */
  readonly ackedSeq = new Map<string, number>()
  #ticker: NodeJS.Timeout | undefined
  #running = false

  constructor(o: WorkloadOptions) {
    this.o = o
    this.rand = rng(o.seed)
  }

  get sessions(): TrackedSession[] {
    return [...this.agents.flatMap((a) => [a.primary, a.second]), ...this.watchers]
  }

  userIds(): { agents: string[]; supervisors: string[] } {
    return {
      agents: Array.from({ length: this.o.agents }, (_, i) => `rel-${this.o.runId}-agent-${i}`),
      supervisors: Array.from({ length: this.o.watchers }, (_, i) => `rel-${this.o.runId}-sup-${i}`),
    }
  }

  async seed(db: RelDb): Promise<void> {
    const { agents, supervisors } = this.userIds()
    await db.seed([
      ...agents.map((id) => ({ accountId: this.o.accountId, id, name: id, role: 'agent' as const })),
      ...supervisors.map((id) => ({ accountId: this.o.accountId, id, name: id, role: 'supervisor' as const })),
    ])
  }

  #route(slot: number): (attempt: number) => Endpoint {
    return (attempt) => {
      const eps = this.o.endpoints()
      if (this.o.routing === 'sticky' || attempt === 0) return eps[slot % eps.length]!
      return eps[Math.floor(this.rand() * eps.length)]!
    }
  }

  #session(slot: number, name: string, userId: string, role: 'agent' | 'supervisor', surface: 'agent' | 'supervisor'): TrackedSession {
    const s = new TrackedSession({
      name, accountId: this.o.accountId, userId, role, surface, secret: this.o.secret, route: this.#route(slot),
    }, `${name}-${uuidv7()}`)
    s.knownSeq = (e) => this.ackedSeq.get(e) ?? 0
    s.client.on('ack', (a) => {
      this.acked.set(a.opId, { seq: a.seq, duplicate: a.duplicate })
      this.ackedSeq.set(a.engagementId, Math.max(this.ackedSeq.get(a.engagementId) ?? 0, a.seq))
    })
    s.client.on('opRejected', (r) => this.rejected.push({ opId: r.op.opId, code: r.code }))
    return s
  }

  /** Connects everyone, opens the engagements (observe, acked), then everyone follows them. */
  async setup(): Promise<void> {
    const { agents, supervisors } = this.userIds()
    await mapLimit(agents, 10, async (userId, i) => {
      // Slots i and i + 1: with sticky routing an agent's two sessions sit on different nodes,
      // and half the agents write through each node.
      const primary = this.#session(i, `a${i}`, userId, 'agent', 'agent')
      const second = this.#session(i + 1, `a${i}b`, userId, 'agent', 'agent')
      await primary.start()
      await second.start()
      const engagements = Array.from({ length: this.o.engagementsPerAgent }, (_, k) => `eng-${this.o.runId}-${i}-${k}`)
      const agent: Agent = { index: i, userId, primary, second, engagements, local: new Map(), pending: new Map(), tokens: 0 }
      this.agents.push(agent)
      for (const e of engagements) {
        const doc = new Y.Doc()
        agent.local.set(e, doc)
        agent.pending.set(e, [])
        doc.on('update', (u: Uint8Array, origin: unknown) => {
          if (origin !== 'remote') agent.pending.get(e)!.push(u)
        })
        const now = Date.now()
        await this.#settled(agent, {
          type: 'engagement.observe', engagementId: e, at: now,
          context: { engagementId: e, startTime: now, queueId: 'q-rel', queueName: 'Reliability' },
          status: { state: 'active', channel: 'voice', assignedAgentId: userId },
        })
        primary.follow(e)
        second.follow(e)
      }
    })
    this.agents.sort((a, b) => a.index - b.index)
    await mapLimit(supervisors, 10, async (userId, i) => {
      const w = this.#session(i, `s${i}`, userId, 'supervisor', 'supervisor')
      await w.start()
      w.client.subscribeBoard()
      for (const a of this.agents) for (const e of a.engagements) w.follow(e)
      this.watchers.push(w)
    })
  }

  /** Sends an op with our own id and records it. */
  send(agent: Agent, op: ClientOpInput, kind = op.type): string {
    const opId = uuidv7()
    this.sent.set(opId, { kind, engagementId: op.engagementId, agent: agent.index })
    void agent.primary.client.send({ ...op, opId } as ClientOpInput)
    return opId
  }

  #settled(agent: Agent, op: ClientOpInput, timeoutMs = 30_000): Promise<void> {
    const opId = this.send(agent, op)
    const t0 = Date.now()
    return (async () => {
      while (!this.acked.has(opId) && !this.rejected.some((r) => r.opId === opId)) {
        if (Date.now() - t0 > timeoutMs) throw new Error(`op ${op.type} on ${op.engagementId} not acked within ${timeoutMs} ms`)
        await sleep(20)
      }
    })()
  }

  /** Types one token into one engagement and sends the update (and sometimes a status toggle). */
  step(agent: Agent): void {
    const e = agent.engagements[Math.floor(this.rand() * agent.engagements.length)]!
    const doc = agent.local.get(e)!
    const text = doc.getText('notes')
    text.insert(text.length, `[${agent.index}.${agent.tokens++}]`)
    const pending = agent.pending.get(e)!
    if (pending.length > 0) {
      const update = pending.length === 1 ? pending[0]! : Y.mergeUpdates(pending)
      agent.pending.set(e, [])
      this.send(agent, { type: 'doc.update', engagementId: e, update: Buffer.from(update).toString('base64') })
    }
    if (this.rand() < 0.05) {
      const t = Date.now()
      this.send(agent, {
        type: 'engagement.status', engagementId: e, changes: { state: this.rand() < 0.5 ? 'inactive' : 'active' }, zoomTimestamp: t, at: t,
      })
    }
  }

  start(): void {
    this.#running = true
    let i = 0
    // Agents take turns within a tick so ops are spread over it rather than bursting.
    const per = Math.max(1, Math.floor(this.o.tickMs / Math.max(1, this.agents.length)))
    this.#ticker = setInterval(() => {
      if (!this.#running) return
      const a = this.agents[i++ % this.agents.length]
      if (a) this.step(a)
    }, per)
  }

  stop(): void {
    this.#running = false
    clearInterval(this.#ticker)
  }

  /** Waits until every session is open and every op has its final answer. */
  async drain(timeoutMs: number): Promise<{ open: boolean; pending: number }> {
    const until = Date.now() + timeoutMs
    const status = () => ({
      open: this.sessions.every((s) => s.client.state === 'open'),
      pending: this.agents.reduce((n, a) => n + a.primary.client.pending, 0),
    })
    while (Date.now() < until) {
      const s = status()
      if (s.open && s.pending === 0) return s
      await sleep(100)
    }
    return status()
  }

  close(): void {
    this.stop()
    for (const s of this.sessions) s.close()
    for (const a of this.agents) for (const d of a.local.values()) d.destroy()
  }
}
