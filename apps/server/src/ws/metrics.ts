/**
 * `/metrics` on prom-client: the standard process and Node metrics (`process_cpu_seconds_total`,
 * `process_resident_memory_bytes`, `nodejs_heap_size_used_bytes`, event-loop lag, GC, …) plus the
 * engine's counters, gauges and latency histograms, every sample labelled `node`.
 *
 * Call sites stay cheap and plain: the engine bumps number fields (`metrics.slowConsumers++`),
 * which the registry reads when scraped, and calls one method per observation for histograms and
 * labelled counters (`commit`, `opAck`, `fanoutLag`, `boardTick`, `webhookToBoard`, `error`,
 * `httpError`, `closed`). Gauges that describe the engine's state (sockets by role, queues) are handed to
 * `render` at scrape time.
 */
import { constants, PerformanceObserver } from 'node:perf_hooks'
import { getHeapStatistics } from 'node:v8'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'

/**
 * Metrics of the process, not of an engine: registered once per process (several apps in one test
 * process share them) and merged into each engine's registry.
 */
const processRegistry = new Registry()
collectDefaultMetrics({ register: processRegistry })

/**
 * V8 heap in use right after the last full (mark-compact) collection: what is really live. Heap
 * used at a random moment also holds the garbage of the current cycle (at 900 ops/s it swings
 * threefold within a minute), so a slow leak shows here first. 0 until the first full collection.
 */
let heapAfterMajorGc = 0
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
      heapAfterMajorGc = getHeapStatistics().used_heap_size
    }
  }
}).observe({ entryTypes: ['gc'] })
processRegistry.registerMetric(new Gauge({
  name: 'nodejs_heap_after_major_gc_bytes',
  help: 'V8 heap in use right after the last full collection (the live set); 0 before the first.',
  registers: [],
  collect() {
    this.set(heapAfterMajorGc)
  },
}))

/** Seconds: from 1 ms (a commit on a quiet local database) to 10 s (a database in trouble). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const OPS_PER_COMMIT_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]

/** What the engine knows at scrape time. */
export interface EngineGauges {
  socketsByRole: Record<string, number>
  listening: boolean
  available: boolean
  boards: number
  hotDocs: number
  queued: number
  busReconnects: number
  nodeId: string
  readsQueued: number
}

type CounterField =
  | 'opsTotal' | 'opsRejected' | 'batches' | 'fanoutFrames' | 'fanoutOutOfOrder' | 'remoteBatches' | 'catchUps'
  | 'slowConsumers' | 'rateLimited' | 'framesIn' | 'badFrames' | 'outboxReplays' | 'snapshotsSent'

/** Counters kept as plain numbers on `Metrics`: name, field, help. */
const COUNTERS: [string, CounterField, string][] = [
  ['switchboard_ops_total', 'opsTotal', 'Client ops committed or answered (rate() gives ops/s).'],
  ['switchboard_ops_rejected_total', 'opsRejected', 'Ops answered with an error.'],
  ['switchboard_outbox_replays_total', 'outboxReplays', 'Ops answered as duplicates (client outbox replays, repeated SDK events).'],
  ['switchboard_frames_in_total', 'framesIn', 'WebSocket frames received.'],
  ['switchboard_fanout_frames_total', 'fanoutFrames', 'Frames fanned out to sessions.'],
  ['switchboard_fanout_out_of_order_total', 'fanoutOutOfOrder', 'Fan-outs that came after a later batch of the same engagement (their older projection was not sent).'],
  ['switchboard_remote_batches_total', 'remoteBatches', 'Bus notifications from other nodes handled.'],
  ['switchboard_catchups_total', 'catchUps', 'Subscriptions caught up from the log after a gap or reconnect.'],
  ['switchboard_snapshots_total', 'snapshotsSent', 'Engagement and board snapshots sent.'],
  ['switchboard_slow_consumers_total', 'slowConsumers', 'Sockets closed for exceeding the send buffer.'],
  ['switchboard_rate_limited_total', 'rateLimited', 'Messages refused by the per-connection rate limit.'],
  ['switchboard_bad_frames_total', 'badFrames', 'Frames refused by the strict parser.'],
]

export class Metrics {
  opsTotal = 0
  opsRejected = 0
  /** group-commit transactions (also `switchboard_commit_seconds_count`) */
  batches = 0
  fanoutFrames = 0
  /** fan-outs that came after a later batch of the same engagement (older projection not sent) */
  fanoutOutOfOrder = 0
  remoteBatches = 0
  catchUps = 0
  slowConsumers = 0
  rateLimited = 0
  framesIn = 0
  badFrames = 0
  /** acks sent as duplicates: what clients re-sent from their outbox */
  outboxReplays = 0
  snapshotsSent = 0
  /** kept by the bus; copied here at scrape time */
  private busReconnects = 0

  /** This engine's metrics only (no process metrics): for tests and embedding. */
  readonly own = new Registry()
  /** What `/metrics` serves: the process metrics and this engine's. */
  readonly registry: Registry

  private readonly commitSeconds: Histogram
  private readonly opsPerCommit: Histogram
  private readonly opAckSeconds: Histogram<'source'>
  private readonly fanoutLagSeconds: Histogram
  private readonly boardTickSeconds: Histogram
  private readonly webhookToBoardSeconds: Histogram
  private readonly errors: Counter<'code'>
  private readonly httpErrors: Counter<'code'>
  private readonly closes: Counter<'code'>
  private readonly gauges: {
    sockets: Gauge<'role'>; boards: Gauge; queued: Gauge; listenUp: Gauge
    databaseUp: Gauge; hotDocs: Gauge; readsQueued: Gauge
  }

  constructor() {
    const registers = [this.own]
    const histogram = (name: string, help: string, buckets = LATENCY_BUCKETS) => new Histogram({ name, help, buckets, registers })
    const gauge = (name: string, help: string) => new Gauge({ name, help, registers })
    this.commitSeconds = histogram('switchboard_commit_seconds', 'Group-commit transaction latency (BEGIN to COMMIT answered).')
    this.opsPerCommit = histogram('switchboard_ops_per_commit', 'Ops in one group-commit transaction.', OPS_PER_COMMIT_BUCKETS)
    this.opAckSeconds = new Histogram({
      name: 'switchboard_op_ack_seconds', help: 'From an op received (socket frame or webhook) to its ack (queueing, commit, answer), by source.',
      labelNames: ['source'], buckets: LATENCY_BUCKETS, registers,
    })
    this.fanoutLagSeconds = histogram('switchboard_fanout_lag_seconds', 'From commit on another node to the rows sent here (bus, read, send).')
    this.boardTickSeconds = histogram('switchboard_board_tick_seconds', 'Time one board tick takes to build and send the deltas of every account on this node.')
    this.webhookToBoardSeconds = histogram('switchboard_webhook_to_board_seconds', 'From a Zoom webhook received to its change on the boards of this node.')
    this.errors = new Counter({ name: 'switchboard_errors_total', help: 'Error frames sent to WebSocket clients, by error code.', labelNames: ['code'], registers })
    this.httpErrors = new Counter({ name: 'switchboard_http_errors_total', help: 'HTTP error answers, by error code.', labelNames: ['code'], registers })
    this.closes = new Counter({ name: 'switchboard_socket_closes_total', help: 'WebSocket connections closed, by close code (1000 normal, 1001 going away, 1006 dropped, 4xxx ours).', labelNames: ['code'], registers })
    const counter = (name: string, help: string, read: () => number) => new Counter({
      name, help, registers,
      collect() {
        this.reset()
        this.inc(read())
      },
    })
    for (const [name, field, help] of COUNTERS) counter(name, help, () => this[field])
    counter('switchboard_listen_reconnects_total', 'LISTEN connection re-establishments.', () => this.busReconnects)
    this.gauges = {
      sockets: new Gauge({ name: 'switchboard_sockets', help: 'Open WebSocket sessions by role.', labelNames: ['role'], registers }),
      boards: gauge('switchboard_boards', 'Supervisor boards subscribed on this node.'),
      queued: gauge('switchboard_ops_queued', 'Ops waiting for the next group commit.'),
      listenUp: gauge('switchboard_listen_up', '1 when the LISTEN connection is established.'),
      databaseUp: gauge('switchboard_database_up', '1 while writes reach the database.'),
      hotDocs: gauge('switchboard_hot_docs', 'Notes documents held in memory.'),
      readsQueued: gauge('switchboard_subscriber_reads_queued', 'Subscriber reads waiting for a read slot.'),
    }
    this.registry = Registry.merge([processRegistry, this.own])
  }

  /** One group commit: its duration and how many ops it carried. */
  commit(ms: number, ops: number): void {
    this.batches++
    this.opsTotal += ops
    this.commitSeconds.observe(ms / 1000)
    this.opsPerCommit.observe(ops)
  }

  /** An op acked `ms` after it arrived (a socket frame, `sdk`, or a Zoom webhook, `webhook`). */
  opAck(ms: number, source: string): void {
    this.opAckSeconds.observe({ source }, ms / 1000)
  }

  /** Rows of another node's commit sent here `ms` after that commit. */
  fanoutLag(ms: number): void {
    this.fanoutLagSeconds.observe(ms / 1000)
  }

  /** One board tick that built deltas took `ms`. */
  boardTick(ms: number): void {
    this.boardTickSeconds.observe(ms / 1000)
  }

  /** A change from a Zoom webhook reached this node's boards `ms` after the webhook arrived. */
  webhookToBoard(ms: number): void {
    this.webhookToBoardSeconds.observe(ms / 1000)
  }

  /** An error frame sent to a client. */
  error(code: string): void {
    this.errors.inc({ code })
  }

  /** An HTTP error answer (`{ error: { code } }`). */
  httpError(code: string): void {
    this.httpErrors.inc({ code })
  }

  /** A WebSocket closed with this code (sent by either side; 1006 when it just dropped). */
  closed(code: number): void {
    this.closes.inc({ code: String(code) })
  }

  /** Prometheus text exposition of the process and this engine, every sample labelled `node`. */
  async render(g: EngineGauges): Promise<string> {
    const { gauges } = this
    gauges.sockets.reset()
    for (const [role, n] of Object.entries(g.socketsByRole)) gauges.sockets.set({ role }, n)
    gauges.boards.set(g.boards)
    gauges.queued.set(g.queued)
    gauges.listenUp.set(g.listening ? 1 : 0)
    this.busReconnects = g.busReconnects
    gauges.databaseUp.set(g.available ? 1 : 0)
    gauges.hotDocs.set(g.hotDocs)
    gauges.readsQueued.set(g.readsQueued)
    this.registry.setDefaultLabels({ node: g.nodeId })
    return this.registry.metrics()
  }

  get contentType(): string {
    return this.registry.contentType
  }
}
