/** Counters and gauges for `/metrics` (Prometheus text exposition, hand-written). */
import { readdirSync } from 'node:fs'
import { constants, PerformanceObserver } from 'node:perf_hooks'
import { getHeapStatistics } from 'node:v8'

/** Open file descriptors of this process (Linux `/proc`), or null where that is not readable. */
export function openFds(): number | null {
  try {
    return readdirSync('/proc/self/fd').length
  } catch {
    return null
  }
}

/**
 * V8 heap in use right after the last full (mark-compact) collection: what is really live. Heap
 * used at a random moment also holds the garbage of the current cycle (at 900 ops/s it swings
 * threefold within a minute), so a slow leak shows here first. One observer per process.
 */
let heapAfterMajorGc: number | null = null
let gcObserver: PerformanceObserver | undefined

function watchMajorGc(): void {
  if (gcObserver) return
  gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        heapAfterMajorGc = getHeapStatistics().used_heap_size
      }
    }
  })
  gcObserver.observe({ entryTypes: ['gc'] })
}

export class Metrics {
  opsTotal = 0
  opsRejected = 0
  batches = 0
  duplicates = 0
  commitSecondsSum = 0
  commitCount = 0
  /** commit latency histogram buckets (seconds) */
  readonly buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]
  readonly bucketCounts = new Array<number>(this.buckets.length).fill(0)
  fanoutFrames = 0
  fanoutLagSecondsSum = 0
  fanoutLagCount = 0
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

  constructor() {
    watchMajorGc()
  }

  commit(ms: number, ops: number): void {
    const s = ms / 1000
    this.batches++
    this.opsTotal += ops
    this.commitSecondsSum += s
    this.commitCount++
    for (let i = 0; i < this.buckets.length; i++) if (s <= this.buckets[i]!) this.bucketCounts[i]!++
  }

  fanoutLag(ms: number): void {
    this.fanoutLagSecondsSum += ms / 1000
    this.fanoutLagCount++
  }

  render(gauges: { socketsByRole: Record<string, number>; listening: boolean; available: boolean; boards: number; hotDocs: number; queued: number; busReconnects: number; nodeId: string; readsQueued: number }): string {
    const node = `node="${gauges.nodeId.replace(/["\\\n]/g, '_')}"`
    const lines: string[] = []
    const metric = (name: string, type: string, help: string, samples: [string, number][]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
      for (const [labels, v] of samples) lines.push(`${name}{${[node, labels].filter(Boolean).join(',')}} ${v}`)
    }
    metric('switchboard_sockets', 'gauge', 'Open WebSocket sessions by role.',
      Object.entries(gauges.socketsByRole).map(([role, n]) => [`role="${role}"`, n]))
    metric('switchboard_boards', 'gauge', 'Supervisor boards subscribed on this node.', [['', gauges.boards]])
    metric('switchboard_ops_total', 'counter', 'Client ops committed or answered (rate() gives ops/s).', [['', this.opsTotal]])
    metric('switchboard_ops_rejected_total', 'counter', 'Ops answered with an error.', [['', this.opsRejected]])
    metric('switchboard_outbox_replays_total', 'counter', 'Ops answered as duplicates (client outbox replays, repeated SDK events).', [['', this.outboxReplays]])
    metric('switchboard_ops_queued', 'gauge', 'Ops waiting for the next group commit.', [['', gauges.queued]])
    lines.push('# HELP switchboard_commit_seconds Group-commit transaction latency.', '# TYPE switchboard_commit_seconds histogram')
    this.buckets.forEach((b, i) => lines.push(`switchboard_commit_seconds_bucket{${node},le="${b}"} ${this.bucketCounts[i]}`))
    lines.push(`switchboard_commit_seconds_bucket{${node},le="+Inf"} ${this.commitCount}`)
    lines.push(`switchboard_commit_seconds_sum{${node}} ${this.commitSecondsSum}`, `switchboard_commit_seconds_count{${node}} ${this.commitCount}`)
    metric('switchboard_fanout_frames_total', 'counter', 'Frames fanned out to sessions.', [['', this.fanoutFrames]])
    metric('switchboard_fanout_lag_seconds_sum', 'counter', 'Sum of commit-to-send lag of rows from other nodes.', [['', this.fanoutLagSecondsSum]])
    metric('switchboard_fanout_lag_seconds_count', 'counter', 'Rows batches measured for fan-out lag.', [['', this.fanoutLagCount]])
    metric('switchboard_fanout_out_of_order_total', 'counter', 'Fan-outs that came after a later batch of the same engagement (their older projection was not sent).', [['', this.fanoutOutOfOrder]])
    metric('switchboard_remote_batches_total', 'counter', 'Bus notifications from other nodes handled.', [['', this.remoteBatches]])
    metric('switchboard_catchups_total', 'counter', 'Subscriptions caught up from the log after a gap or reconnect.', [['', this.catchUps]])
    metric('switchboard_listen_up', 'gauge', '1 when the LISTEN connection is established.', [['', gauges.listening ? 1 : 0]])
    metric('switchboard_listen_reconnects_total', 'counter', 'LISTEN connection re-establishments.', [['', gauges.busReconnects]])
    metric('switchboard_database_up', 'gauge', '1 while writes reach the database.', [['', gauges.available ? 1 : 0]])
    metric('switchboard_slow_consumers_total', 'counter', 'Sockets closed for exceeding the send buffer.', [['', this.slowConsumers]])
    metric('switchboard_rate_limited_total', 'counter', 'Messages refused by the per-connection rate limit.', [['', this.rateLimited]])
    metric('switchboard_bad_frames_total', 'counter', 'Frames refused by the strict parser.', [['', this.badFrames]])
    metric('switchboard_hot_docs', 'gauge', 'Notes documents held in memory.', [['', gauges.hotDocs]])
    metric('switchboard_subscriber_reads_queued', 'gauge', 'Subscriber reads waiting for a read slot.', [['', gauges.readsQueued]])
    const mem = process.memoryUsage()
    metric('process_resident_memory_bytes', 'gauge', 'Resident set size.', [['', mem.rss]])
    metric('nodejs_heap_size_used_bytes', 'gauge', 'V8 heap in use.', [['', mem.heapUsed]])
    if (heapAfterMajorGc !== null) metric('nodejs_heap_after_major_gc_bytes', 'gauge', 'V8 heap in use right after the last full collection (the live set).', [['', heapAfterMajorGc]])
    metric('nodejs_heap_size_total_bytes', 'gauge', 'V8 heap allocated.', [['', mem.heapTotal]])
    metric('nodejs_external_memory_bytes', 'gauge', 'Memory of C++ objects bound to JavaScript (buffers).', [['', mem.external]])
    const fds = openFds()
    if (fds !== null) metric('process_open_fds', 'gauge', 'Open file descriptors.', [['', fds]])
    return `${lines.join('\n')}\n`
  }
}
