/**
 * Deterministic synthetic board traffic for the scale harness: N live engagements, M agents and
 * a stream of deltas shaped like the server's (agents typing, state changes, help flags,
 * engagements ending and new ones arriving, roster activity).
 */
import type { AgentView, EngagementView, ServerMessageOf } from '@switchboard/protocol'

type Delta = ServerMessageOf<'board.delta'>
type Snapshot = ServerMessageOf<'board.snapshot'>

/** mulberry32: small seeded PRNG so runs are comparable. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const QUEUES = ['Sales', 'Billing', 'Support', 'Returns', 'VIP', 'Onboarding', 'Retention', 'Tech L2']
const CHANNELS = ['voice', 'video', 'messaging', 'email']
const WORDS = 'customer asked about refund order delayed shipping address updated card declined escalated callback scheduled promised credit verified identity'.split(' ')

export class SyntheticBoard {
  readonly agents = new Map<string, AgentView>()
  readonly engagements = new Map<string, EngagementView>()
  #rand: () => number
  #next = 0
  now: number

  constructor(opts: { engagements: number; agents: number; seed?: number; now?: number }) {
    this.#rand = rng(opts.seed ?? 42)
    this.now = opts.now ?? Date.now()
    for (let i = 0; i < opts.agents; i++) {
      const id = `agent-${i}`
      this.agents.set(id, {
        id, displayName: `Agent ${String(i).padStart(3, '0')}`, role: 'agent', online: true,
        sessions: 1 + (i % 2), focusEngagementId: null, openEngagements: 0, lastActivityAt: this.now,
      })
    }
    for (let i = 0; i < opts.engagements; i++) this.#add()
  }

  #pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.#rand() * xs.length)] as T
  }

  #add(): EngagementView {
    const n = this.#next++
    const agentIds = [...this.agents.keys()]
    const agentId = agentIds[n % agentIds.length] ?? 'agent-0'
    const agent = this.agents.get(agentId)
    const queue = this.#pick(QUEUES)
    const started = this.now - Math.floor(this.#rand() * 20 * 60_000)
    const r = this.#rand()
    const state = r < 0.7 ? 'active' : r < 0.85 ? 'inactive' : 'wrap-up'
    const e: EngagementView = {
      id: `eng-${n}`, agentId, agentName: agent?.displayName ?? agentId,
      state, channel: this.#pick(CHANNELS), source: null,
      queueId: `q-${queue.toLowerCase().replace(/\s+/g, '-')}`, queueName: queue,
      isConference: false, isTransfer: false, transfer: null,
      consumers: [{ consumerDisplayName: `Consumer ${n}`, consumerNumber: `+1555${String(n).padStart(7, '0')}` }],
      variables: {}, startedAt: started, acceptedAt: started + 5000,
      stateSince: started + 5000 + Math.floor(this.#rand() * 60_000),
      wrapupStartedAt: state === 'wrap-up' ? this.now - 30_000 : null, endedAt: null,
      handleMs: state === 'wrap-up' ? this.now - 30_000 - started : null, wrapupMs: null,
      help: null, notesPreview: '', lastSeq: 1, updatedAt: this.now,
    }
    this.engagements.set(e.id, e)
    if (agent) this.agents.set(agentId, { ...agent, openEngagements: agent.openEngagements + 1, focusEngagementId: e.id })
    return e
  }

  snapshot(): Snapshot {
    return {
      type: 'board.snapshot', serverTime: this.now,
      engagements: [...this.engagements.values()], agents: [...this.agents.values()],
      thresholds: { handleMs: 15 * 60_000, wrapupMs: 2 * 60_000, inactiveMs: 90_000 },
    }
  }

  /** One coalesced server frame: `changes` engagement updates plus matching roster activity. */
  delta(changes: number, advanceMs = 250): Delta {
    this.now += advanceMs
    const ids = [...this.engagements.keys()]
    const changed = new Map<string, EngagementView>()
    const removed: string[] = []
    const agents = new Map<string, AgentView>()
    for (let i = 0; i < changes; i++) {
      const id = this.#pick(ids)
      const e = changed.get(id) ?? this.engagements.get(id)
      if (!e || removed.includes(id)) continue
      const r = this.#rand()
      let next: EngagementView
      if (r < 0.75) {
        next = { ...e, notesPreview: `${e.notesPreview.split(' ').slice(-6).join(' ')} ${this.#pick(WORDS)}`.trim() }
      } else if (r < 0.9) {
        const state = e.state === 'active' ? 'inactive' : e.state === 'inactive' ? 'active' : 'wrap-up'
        next = { ...e, state, stateSince: this.now }
      } else if (r < 0.95) {
        next = { ...e, help: e.help ? null : { raisedBy: e.agentId, raisedByName: e.agentName, at: this.now } }
      } else {
        this.engagements.delete(id)
        removed.push(id)
        changed.delete(id)
        const fresh = this.#add()
        changed.set(fresh.id, fresh)
        continue
      }
      next = { ...next, lastSeq: e.lastSeq + 1, updatedAt: this.now }
      this.engagements.set(id, next)
      changed.set(id, next)
      const a = this.agents.get(e.agentId)
      if (a) {
        const na = { ...a, lastActivityAt: this.now, focusEngagementId: id }
        this.agents.set(a.id, na)
        agents.set(a.id, na)
      }
    }
    return {
      type: 'board.delta', serverTime: this.now,
      engagements: [...changed.values()], removedEngagements: removed, agents: [...agents.values()],
    }
  }
}
