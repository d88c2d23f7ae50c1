/**
 * The Switchboard run: agents (first and second sessions), supervisors on boards and engagement
 * watchers, all SyncClients over real WebSockets. Phases: setup (observe + focus), a human-cadence
 * phase (typing notes as batched Yjs updates, focus switches, status moves, finishing and taking
 * the next engagement) and a closed-loop saturation phase (one op in flight per agent).
 */
import * as Y from 'yjs'
import { v7 as uuidv7 } from 'uuid'
import type { ClientOpInput, SyncClient } from '@switchboard/protocol/sync-client'
import type { ServerMessage } from '@switchboard/protocol'
import { closeCodes, connectClient, type ClientSpec } from './fleet.ts'
import { round, Samples, type Summary } from './hist.ts'
import { mapLimit, sleep } from './limit.ts'
import { engineCounters, engineDelta, type EngineCounters, type EngineDelta } from './metrics.ts'
import { CADENCE, STEADY, type Profile } from './options.ts'
import { CpuMeter, rssKb } from './proc.ts'
import type { ServerNode } from './servers.ts'
import { engagementId, rng, type AgentSpec, type Topology } from './topology.ts'
import { BoardTracker, OpTracker, type AckedRef, type BoardMiss } from './trackers.ts'

/** Agents joining per second during setup. */
const RAMP_PER_SECOND = 100

const TEXT = 'Caller asks about the invoice from last month; verified identity, explained the late fee, offered a one-time credit and a payment plan. Follow up by email tomorrow. '

interface NoteDoc {
  doc: Y.Doc
  text: Y.Text
  pending: Uint8Array[]
  cursor: number
}

interface AgentSim {
  spec: AgentSpec
  primary: SyncClient
  secondary: SyncClient | null
  /** engagements whose snapshot reached the second session (rows after it arrive as events) */
  secondReady: Set<string>
  /** engagements observed but not yet acked */
  opening: Set<string>
  open: string[]
  states: Map<string, 'active' | 'inactive' | 'wrap-up'>
  docs: Map<string, NoteDoc>
  focus: string
  nextN: number
  typing: boolean
  phaseEndsAt: number
  nextKeyAt: number
  nextFlushAt: number
  nextMoveAt: number
  finishing: { engagementId: string; at: number } | null
  saturating: boolean
  /** steady pattern: when the next insert goes out */
  nextOpAt: number
}

export interface PhaseResult {
  phase: 'cadence' | 'saturation'
  seconds: number
  opsAcked: number
  opsPerSecond: number
  ackLatencyMs: Summary
  boardLatencyMs: Summary
  secondSessionLatencyMs: Summary
  watcherLatencyMs: Summary
  /** second sessions and watchers together */
  deliveryLatencyMs: Summary
  /**
   * Measured ops (sent in the window) acked, i.e. committed, by one second after the window
   * closed, in %; `ackedNotInDatabase` counts acked ops whose row the database does not hold
   * afterwards (an ack must mean durable: 0), null when not checked.
   */
  durable: { sent: number; ackedInTime: number; pct: number | null; checked: number; ackedNotInDatabase: number | null }
  /** CPU per acked op: server (all nodes) and Postgres, microseconds */
  serverCpuUsPerOp: number | null
  postgresCpuUsPerOp: number | null
  /** the part of it used by this run's database's backends (without the shared background processes) */
  postgresBackendsCpuUsPerOp?: number | null
  /** the phase on CLOCK_MONOTONIC, microseconds (the servers' CPU profiles use the same clock) */
  monotonicUs: [number, number]
  deliveries: { own: number; second: number; watcher: number; board: number; total: number }
  deliveriesPerSecond: number
  framesReceived: number
  unacked: number
  undelivered: { board: number; sessions: number }
  /** the first board deliveries that never came (see BoardTracker.misses) */
  boardMisses: BoardMiss[]
  serverCpuPct: number[]
  /** main thread runnable but waiting for a CPU, % of wall time */
  serverRunQueueWaitPct: number[]
  generatorRunQueueWaitPct: number
  generatorCpuPct: number
  postgresCpuPct: number
  /** all processes on the machine, % of one core: what is not server, Postgres or generator is other work */
  machineCpuPct: number
  serverRssKb: Array<number | null>
  /** from the servers' /metrics, summed over nodes */
  engine: EngineDelta
}

export interface RunCounters {
  reconnects: number
  /** WebSocket close codes (and reasons) seen by clients before the run closed them */
  closeCodes: Record<string, number>
  rejected: Record<string, number>
  errors: Record<string, number>
  /** server frames the clients' tolerant parser refused, by type, and the first few of them */
  invalidFrames: Record<string, number>
  invalidSamples: string[]
}

export interface MinuteSample {
  minute: number
  /**
   * Per node, read at the end of the minute. `rssFloorKb`: the lowest RSS of the readings taken
   * every 5 s during the minute; `heapLiveBytes`: heap used right after the server's last full
   * collection. Both follow what stays live (a leak raises them); heap used and RSS at one moment
   * also ride the garbage collector's sawtooth.
   */
  nodes: Array<{
    rssKb: number | null; fds: number | null; heapUsedBytes: number | null; rssFloorKb: number | null; heapLiveBytes: number | null
    /** V8 heap capacity and Buffer memory at the minute's end: what else RSS is made of */
    heapTotalBytes: number | null; externalBytes: number | null
  }>
  ackP99Ms: number | null
  opsPerSecond: number
}

export class SwitchboardRun {
  readonly agents: AgentSim[] = []
  readonly boardClients: SyncClient[] = []
  readonly watcherClients: SyncClient[] = []
  readonly boards: BoardTracker
  readonly ops: OpTracker
  readonly counters: RunCounters = { reconnects: 0, closeCodes, rejected: {}, errors: {}, invalidFrames: {}, invalidSamples: [] }
  frames = 0
  measuring = false
  #ticker: NodeJS.Timeout | undefined
  #sweeper: NodeJS.Timeout | undefined
  readonly #rand = rng(7)
  readonly #topo: Topology
  readonly #nodes: ServerNode[]
  readonly #secret: string

  readonly #eagerOpen: boolean
  readonly #pattern: Profile['pattern']
  readonly #countDurable: ((refs: AckedRef[]) => Promise<number>) | undefined

  /**
   * `eagerOpen`: focus and type into a new engagement right after observing it, as the agent app
   * does. `countDurable`: how many of these acked ops the database holds (checked after each phase).
   */
  constructor(topo: Topology, nodes: ServerNode[], secret: string, opts: {
    eagerOpen?: boolean; pattern?: Profile['pattern']; countDurable?: (refs: AckedRef[]) => Promise<number>
  } = {}) {
    this.#eagerOpen = opts.eagerOpen ?? true
    this.#pattern = opts.pattern ?? 'human'
    this.#countDurable = opts.countDurable
    this.#topo = topo
    this.#nodes = nodes
    this.#secret = secret
    const accountOf = new Map<string, string>()
    for (const a of topo.agents) for (const e of a.engagementIds) accountOf.set(e, a.accountId)
    const agentAccount = new Map(topo.agents.map((a) => [String(a.index), a.accountId]))
    this.boards = new BoardTracker((e) => {
      // Engagement ids are eng-<run>-<agent>-<n>; new ones appear as agents take the next engagement.
      const acc = accountOf.get(e) ?? agentAccount.get(e.split('-')[2] ?? '')
      return acc ? (topo.boardsPerAccount.get(acc) ?? 0) : 0
    })
    this.ops = new OpTracker(this.boards)
  }

  #between(min: number, max: number): number {
    return min + this.#rand() * (max - min)
  }

  #spec(node: ServerNode, s: { accountId: string; userId: string; name: string }, role: 'agent' | 'supervisor', clientId: string,
    surface: ClientSpec['surface']): ClientSpec {
    return { wsUrl: node.wsUrl, origin: node.url, secret: this.#secret, ...s, role, clientId, surface }
  }

  #watch(client: SyncClient, onMessage: (m: ServerMessage) => void): void {
    client.on('message', (m) => {
      this.frames++
      if (m.type === 'error') this.counters.errors[m.code] = (this.counters.errors[m.code] ?? 0) + 1
      onMessage(m)
    })
    client.on('state', (s) => {
      if (s.state === 'reconnecting') this.counters.reconnects++
    })
    client.on('opRejected', (r) => {
      this.counters.rejected[r.code] = (this.counters.rejected[r.code] ?? 0) + 1
    })
    client.on('invalidFrame', (f) => {
      const type = f.type ?? '(none)'
      this.counters.invalidFrames[type] = (this.counters.invalidFrames[type] ?? 0) + 1
      if (this.counters.invalidSamples.length < 5) this.counters.invalidSamples.push(f.sample)
    })
  }

  /** Connects everyone and opens every agent's engagements (observe + focus), then the readers subscribe. */
  async setup(log: (line: string) => void): Promise<void> {
    const n = this.#nodes.length
    const t0 = performance.now()
    for (const k of Object.keys(closeCodes)) delete closeCodes[k]
    // Agents join in waves (a shift starting, not a thundering herd): each wave connects, opens
    // its engagements and waits for the acks, at most RAMP_PER_SECOND agents per second.
    let refused = 0
    let firstRefusal = ''
    let opsSent = 0
    for (let w = 0; w < this.#topo.agents.length; w += RAMP_PER_SECOND) {
      const waveStart = performance.now()
      const wave = this.#topo.agents.slice(w, w + RAMP_PER_SECOND)
      const sims = await mapLimit(wave, 50, async (spec) => {
        const primary = await connectClient(this.#spec(this.#nodes[spec.index % n]!, spec, 'agent', `bench-${spec.userId}-a`, 'agent'))
        const secondary = spec.hasSecondSession
          ? await connectClient(this.#spec(this.#nodes[(spec.index + 1) % n]!, spec, 'agent', `bench-${spec.userId}-b`, 'agent'))
          : null
        return this.#addAgent(spec, primary, secondary)
      })
      // Open the engagements: observe each, then focus the first.
      const opened: Promise<unknown>[] = []
      for (const a of sims) {
        for (const e of a.spec.engagementIds) opened.push(this.#observe(a, e))
        opened.push(this.#send(a, { type: 'engagement.focus', engagementId: a.focus, at: Date.now() }, 'focus'))
      }
      opsSent += opened.length
      let done = 0
      for (const p of opened) void p.then(() => done++, () => done++)
      const settled = await withTimeout(Promise.allSettled(opened), 120_000, () => `opening engagements of agents ${w}..${w + wave.length - 1} (${done} of ${opened.length} ops answered; ${
        sims.reduce((k, a) => k + a.primary.pending, 0)} pending in the clients; states ${[...new Set(sims.map((a) => a.primary.state))].join(',')})`)
      for (const r of settled) {
        if (r.status !== 'rejected') continue
        refused++
        firstRefusal ||= (r.reason as Error).message
      }
      const left = 1000 - (performance.now() - waveStart)
      if (left > 0 && w + RAMP_PER_SECOND < this.#topo.agents.length) await sleep(left)
    }
    if (refused > 0) log(`  ${refused} of ${opsSent} opening ops refused, e.g. ${firstRefusal}`)
    log(`connected ${this.agents.length} agents (${this.agents.filter((a) => a.secondary).length} with a second session) and opened ${
      this.agents.length * this.#topo.agents[0]!.engagementIds.length} engagements in ${Math.round(performance.now() - t0)} ms`)

    await mapLimit(this.#topo.supervisors, 20, async (s) => {
      const c = await connectClient(this.#spec(this.#nodes[s.index % n]!, s, 'supervisor', `bench-${s.userId}`, 'supervisor'))
      this.#watch(c, (m) => this.#onBoard(s.index, m))
      c.subscribeBoard()
      this.boardClients.push(c)
    })
    await mapLimit(this.#topo.watchers, 20, async (w) => {
      const c = await connectClient(this.#spec(this.#nodes[(w.index + 1) % n]!, w, 'supervisor', `bench-${w.userId}`, 'supervisor'))
      this.#watch(c, (m) => {
        if (m.type === 'engagement.events') this.ops.onRows('watcher', m.events, performance.now())
      })
      for (const e of w.engagementIds) c.subscribe(e)
      this.watcherClients.push(c)
    })
    log(`connected ${this.boardClients.length} boards and ${this.watcherClients.length} watchers`)
    this.#sweeper = setInterval(() => {
      const t = performance.now()
      this.ops.sweep(t, 30_000)
      this.boards.sweep(t, 30_000)
    }, 5_000)
    await sleep(1_000)
  }

  #addAgent(spec: AgentSpec, primary: SyncClient, secondary: SyncClient | null): AgentSim {
    const now = performance.now()
    const sim: AgentSim = {
      spec, primary, secondary, secondReady: new Set(), opening: new Set(), open: [], states: new Map(), docs: new Map(), focus: spec.engagementIds[0]!,
      nextN: spec.engagementIds.length, typing: false, phaseEndsAt: now + this.#between(0, CADENCE.pauseMaxMs),
      nextKeyAt: 0, nextFlushAt: now + this.#between(0, CADENCE.flushMs),
      nextMoveAt: now + this.#between(CADENCE.moveMinMs, CADENCE.moveMaxMs), finishing: null, saturating: false,
      nextOpAt: Infinity,
    }
    this.agents.push(sim)
    this.#watch(primary, (m) => {
      if (m.type === 'engagement.events') this.ops.onRows('own', m.events, performance.now())
    })
    primary.on('ack', (a) => this.ops.onAck(a.opId, a.seq, performance.now()))
    primary.on('opRejected', (r) => this.ops.onRejected(r.op.opId, r.code))
    if (secondary) {
      this.#watch(secondary, (m) => {
        if (m.type === 'engagement.events') this.ops.onRows('second', m.events, performance.now())
        else if (m.type === 'engagement.snapshot') sim.secondReady.add(m.engagementId)
      })
    }
    return sim
  }

  #onBoard(board: number, m: ServerMessage): void {
    const now = performance.now()
    if (m.type === 'board.snapshot') {
      for (const e of m.engagements) this.boards.onView(board, e.id, e.lastSeq, now, true)
    } else if (m.type === 'board.delta') {
      for (const e of m.engagements) this.boards.onView(board, e.id, e.lastSeq, now)
      for (const id of m.removedEngagements) this.boards.onRemoved(board, id, now)
    }
  }

  /** Sends an op, recording it for latency; resolves with its seq once acked (rejects when refused). */
  #send(a: AgentSim, op: ClientOpInput, kind: string, onAck?: (seq: number) => void): Promise<number> {
    const opId = uuidv7()
    const e = op.engagementId
    const remaining = (a.secondReady.has(e) ? 1 : 0) + (this.#topo.watchersOf.get(e)?.length ?? 0)
    const p = new Promise<number>((resolve, reject) => {
      this.ops.add(opId, {
        t: performance.now(), accountId: a.spec.accountId, actorId: a.spec.userId, engagementId: e, kind, measured: this.measuring, remaining, acked: false,
        onAck: (seq) => {
          onAck?.(seq)
          resolve(seq)
        },
        onReject: (code) => reject(new Error(`${op.type} on ${e} refused with ${code}`)),
      })
      void a.primary.send({ ...op, opId } as ClientOpInput)
    })
    // Fire-and-forget callers do not handle refusals (they are counted from `opRejected`).
    p.catch(() => {})
    return p
  }

  #observe(a: AgentSim, e: string): Promise<number> {
    a.open.push(e)
    a.states.set(e, 'active')
    const doc = new Y.Doc()
    const nd: NoteDoc = { doc, text: doc.getText('notes'), pending: [], cursor: Math.floor(this.#rand() * TEXT.length) }
    doc.on('update', (u: Uint8Array) => nd.pending.push(u))
    a.docs.set(e, nd)
    const now = Date.now()
    return this.#send(a, {
      type: 'engagement.observe', engagementId: e, at: now,
      context: { engagementId: e, startTime: now, acceptTime: now, queueId: 'q-support', queueName: 'Support' },
      status: {
        state: 'active', channel: 'voice', source: 'bench', assignedAgentId: a.spec.userId, assignedAgentName: a.spec.name,
        consumers: [{ consumerDisplayName: `Caller ${e.slice(-6)}` }],
      },
    }, 'context', () => a.secondary?.subscribe(e))
  }

  #type(a: AgentSim, chars?: number): void {
    const nd = a.docs.get(a.focus)
    if (!nd) return
    const len = chars ?? 1 + Math.floor(this.#rand() * 4)
    let chunk = ''
    for (let i = 0; i < len; i++) chunk += TEXT[(nd.cursor++) % TEXT.length]
    nd.text.insert(nd.text.length, chunk)
  }

  #flush(a: AgentSim, onAck?: (seq: number) => void): boolean {
    let sent = false
    for (const [e, nd] of a.docs) {
      if (nd.pending.length === 0) continue
      const update = nd.pending.length === 1 ? nd.pending[0]! : Y.mergeUpdates(nd.pending)
      nd.pending = []
      void this.#send(a, { type: 'doc.update', engagementId: e, update: Buffer.from(update).toString('base64') }, 'doc', onAck)
      sent = true
    }
    return sent
  }

  #move(a: AgentSim, now: number): void {
    const r = this.#rand()
    const others = a.open.filter((e) => e !== a.focus && a.states.get(e) !== 'wrap-up' && !a.opening.has(e))
    if (r < 0.4 && others.length > 0) {
      a.focus = others[Math.floor(this.#rand() * others.length)]!
      void this.#send(a, { type: 'engagement.focus', engagementId: a.focus, at: Date.now() }, 'focus')
    } else if (r < 0.8 || a.finishing || a.states.get(a.focus) === 'wrap-up') {
      const next = a.states.get(a.focus) === 'active' ? 'inactive' : 'active'
      a.states.set(a.focus, next)
      void this.#send(a, { type: 'engagement.status', engagementId: a.focus, changes: { state: next }, zoomTimestamp: Date.now(), at: Date.now() }, 'status')
    } else {
      a.states.set(a.focus, 'wrap-up')
      a.finishing = { engagementId: a.focus, at: now + 3_000 }
      void this.#send(a, { type: 'engagement.status', engagementId: a.focus, changes: { state: 'wrap-up' }, zoomTimestamp: Date.now(), at: Date.now() }, 'status')
    }
  }

  /** Ends the engagement in wrap-up and takes the next one (observe + focus). */
  #finish(a: AgentSim): void {
    const done = a.finishing!.engagementId
    a.finishing = null
    this.#flush(a)
    a.secondReady.delete(done)
    const t = Date.now()
    void this.#send(a, { type: 'engagement.status', engagementId: done, changes: { state: 'end', endTime: t }, zoomTimestamp: t, at: t }, 'status')
    a.open = a.open.filter((e) => e !== done)
    a.states.delete(done)
    a.docs.get(done)?.doc.destroy()
    a.docs.delete(done)
    a.secondary?.unsubscribe(done)
    const next = engagementId(this.#topo.runId, a.spec.index, a.nextN++)
    const focusNext = () => {
      if (!a.docs.has(next)) return
      a.opening.delete(next)
      a.focus = next
      void this.#send(a, { type: 'engagement.focus', engagementId: next, at: Date.now() }, 'focus')
    }
    const opened = this.#observe(a, next)
    if (this.#eagerOpen) return focusNext()
    // --await-open: focus and type into the next engagement once its observe is acked (an engine
    // at 18:2x failed ops on an engagement created in the same group commit; kept to compare).
    a.opening.add(next)
    a.focus = a.open.find((e) => e !== next && a.states.get(e) !== 'wrap-up') ?? a.focus
    void opened.then(focusNext)
  }

  /** The peer workload: every agent sends one insert of STEADY.chars characters every STEADY.everyMs. */
  #steadyTick(): void {
    const now = performance.now()
    for (const a of this.agents) {
      if (a.saturating || now < a.nextOpAt) continue
      this.#type(a, STEADY.chars)
      this.#flush(a)
      // A generator that fell behind (CPU) skips the missed slots rather than bursting.
      a.nextOpAt = Math.max(a.nextOpAt + STEADY.everyMs, now)
    }
  }

  #tick(): void {
    if (this.#pattern === 'steady') return this.#steadyTick()
    const now = performance.now()
    for (const a of this.agents) {
      if (a.saturating) continue
      if (now >= a.phaseEndsAt) {
        a.typing = !a.typing
        a.phaseEndsAt = now + (a.typing
          ? this.#between(CADENCE.burstMinMs, CADENCE.burstMaxMs)
          : this.#between(CADENCE.pauseMinMs, CADENCE.pauseMaxMs))
        a.nextKeyAt = now
      }
      if (a.typing && now >= a.nextKeyAt) {
        this.#type(a)
        a.nextKeyAt = now + this.#between(CADENCE.keyMinMs, CADENCE.keyMaxMs)
      }
      if (now >= a.nextFlushAt) {
        this.#flush(a)
        a.nextFlushAt = now + CADENCE.flushMs
      }
      if (a.finishing && now >= a.finishing.at) this.#finish(a)
      else if (now >= a.nextMoveAt) {
        this.#move(a, now)
        a.nextMoveAt = now + this.#between(CADENCE.moveMinMs, CADENCE.moveMaxMs)
      }
    }
  }

  async #begin(): Promise<{ meter: CpuMeter; t0: number; engine: EngineCounters[]; mono0: number }> {
    const engine = await Promise.all(this.#nodes.map((n) => engineCounters(n.url)))
    this.frames = 0
    this.ops.acked = this.ops.secondDeliveries = this.ops.watcherDeliveries = this.ops.ownDeliveries = 0
    this.boards.deliveries = 0
    this.ops.ack = new Samples()
    this.ops.second = new Samples()
    this.ops.watcher = new Samples()
    this.ops.delivery = new Samples()
    this.ops.sent = this.ops.ackedInTime = 0
    this.ops.deadline = Infinity
    this.ops.ackedRefs = []
    this.boards.latency = new Samples()
    this.ops.counting = this.boards.counting = true
    return { meter: new CpuMeter(this.#nodes.map((n) => n.pid)), t0: performance.now(), engine, mono0: monotonicUs() }
  }

  async #end(phase: PhaseResult['phase'], m: { meter: CpuMeter; t0: number; engine: EngineCounters[]; mono0: number }): Promise<PhaseResult> {
    const seconds = (performance.now() - m.t0) / 1000
    const cpu = m.meter.read()
    const mono1 = monotonicUs()
    // Durable within the window: acked no later than a second after it closed.
    this.ops.deadline = performance.now() + 1000
    const engine = engineDelta(m.engine, await Promise.all(this.#nodes.map((n) => engineCounters(n.url))), seconds)
    this.ops.counting = this.boards.counting = false
    const acked = this.ops.acked
    const d = { own: this.ops.ownDeliveries, second: this.ops.secondDeliveries, watcher: this.ops.watcherDeliveries, board: this.boards.deliveries, total: 0 }
    d.total = d.own + d.second + d.watcher + d.board
    const frames = this.frames
    const rss = this.#nodes.map((n) => rssKb(n.pid))
    // Let measured ops that are still travelling arrive before summarising.
    for (let i = 0; i < 20 && (this.ops.ops.size > 0 || this.boards.pending() > 0); i++) await sleep(250)
    const t = performance.now()
    this.ops.sweep(t + 60_000, 0)
    this.boards.sweep(t + 60_000, 0)
    const refs = this.ops.ackedRefs
    let found: number | null = null
    if (this.#countDurable && refs.length > 0) {
      try {
        found = await this.#countDurable(refs)
      } catch {
        found = null
      }
    }
    const perOp = (pct: number) => (acked > 0 ? Math.round(((pct / 100) * seconds * 1e6) / acked) : null)
    const result: PhaseResult = {
      phase,
      seconds: round(seconds, 1),
      opsAcked: acked,
      opsPerSecond: Math.round(acked / seconds),
      ackLatencyMs: this.ops.ack.summary(),
      boardLatencyMs: this.boards.latency.summary(),
      secondSessionLatencyMs: this.ops.second.summary(),
      watcherLatencyMs: this.ops.watcher.summary(),
      deliveryLatencyMs: this.ops.delivery.summary(),
      durable: {
        sent: this.ops.sent, ackedInTime: this.ops.ackedInTime,
        pct: this.ops.sent > 0 ? round((this.ops.ackedInTime / this.ops.sent) * 100, 2) : null,
        checked: found === null ? 0 : refs.length, ackedNotInDatabase: found === null ? null : refs.length - found,
      },
      serverCpuUsPerOp: perOp(cpu.serverPct.reduce((x, y) => x + y, 0)),
      postgresCpuUsPerOp: perOp(cpu.postgresPct),
      postgresBackendsCpuUsPerOp: perOp(cpu.postgresBackendsPct),
      monotonicUs: [m.mono0, mono1],
      deliveries: d,
      deliveriesPerSecond: Math.round(d.total / seconds),
      framesReceived: frames,
      unacked: this.ops.unacked,
      undelivered: { board: this.boards.undelivered, sessions: this.ops.undelivered },
      boardMisses: this.boards.misses.splice(0),
      serverCpuPct: cpu.serverPct,
      serverRunQueueWaitPct: cpu.serverWaitPct,
      generatorRunQueueWaitPct: cpu.generatorWaitPct,
      generatorCpuPct: cpu.generatorPct,
      postgresCpuPct: cpu.postgresPct,
      machineCpuPct: cpu.machinePct,
      serverRssKb: rss,
      engine,
    }
    this.ops.unacked = this.ops.undelivered = this.boards.undelivered = 0
    this.ops.ackedRefs = []
    return result
  }

  /** Human cadence: warm-up, then `seconds` measured; `onMinute` samples resources (soak). */
  async cadence(warmupS: number, seconds: number, onMinute?: (minute: number) => Promise<void>): Promise<PhaseResult> {
    // Steady typists start spread over one interval, as independent people would.
    const start = performance.now()
    for (const a of this.agents) a.nextOpAt = start + this.#between(0, STEADY.everyMs)
    this.#ticker = setInterval(() => this.#tick(), this.#pattern === 'steady' ? 5 : 20)
    await sleep(warmupS * 1000)
    this.measuring = true
    const m = await this.#begin()
    const end = performance.now() + seconds * 1000
    let minute = 0
    while (performance.now() < end) {
      await sleep(Math.min(60_000, end - performance.now()))
      if (onMinute && performance.now() <= end + 1000) await onMinute(++minute)
    }
    this.measuring = false
    clearInterval(this.#ticker)
    for (const a of this.agents) this.#flush(a)
    return this.#end('cadence', m)
  }

  /** Closed loop: every agent keeps one notes update in flight on its focused engagement. */
  async saturation(seconds: number): Promise<PhaseResult> {
    await this.drain(10_000)
    this.measuring = true
    const m = await this.#begin()
    let stop = false
    const loop = (a: AgentSim) => {
      if (stop) {
        a.saturating = false
        return
      }
      this.#type(a, this.#pattern === 'steady' ? STEADY.chars : undefined)
      this.#flush(a, () => loop(a))
    }
    for (const a of this.agents) {
      a.saturating = true
      loop(a)
    }
    await sleep(seconds * 1000)
    stop = true
    this.measuring = false
    return this.#end('saturation', m)
  }

  /** Waits until no op of any agent is unacked. */
  async drain(timeoutMs: number): Promise<void> {
    const until = performance.now() + timeoutMs
    while (performance.now() < until && this.agents.some((a) => a.primary.pending > 0)) await sleep(100)
  }

  close(): void {
    this.counters.closeCodes = { ...closeCodes }
    clearInterval(this.#ticker)
    clearInterval(this.#sweeper)
    for (const a of this.agents) {
      a.primary.close()
      a.secondary?.close()
      for (const nd of a.docs.values()) nd.doc.destroy()
    }
    for (const c of [...this.boardClients, ...this.watcherClients]) c.close()
  }
}

/** CLOCK_MONOTONIC in microseconds: the clock of V8's CPU profiles in every process on this machine. */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n)
}

function withTimeout<T>(p: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what()}: not done within ${ms} ms`)), ms)
    }),
  ])
}

/** A typical notes update of the cadence phase (a few characters appended), base64, for the baselines. */
export function sampleDocUpdate(): string {
  const doc = new Y.Doc()
  const text = doc.getText('notes')
  text.insert(0, TEXT.slice(0, 40))
  const updates: Uint8Array[] = []
  doc.on('update', (u: Uint8Array) => updates.push(u))
  text.insert(text.length, TEXT.slice(40, 42))
  text.insert(text.length, TEXT.slice(42, 45))
  const b64 = Buffer.from(Y.mergeUpdates(updates)).toString('base64')
  doc.destroy()
  return b64
}
