/** Reads process metrics from a node's Prometheus `/metrics`, when the server exposes them. */

export async function fetchMetrics(baseUrl: string): Promise<string | null> {
  try {
    const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(3_000) })
    return res.ok ? await res.text() : null
  } catch {
    return null
  }
}

/** The first sample of a metric (no labels, or any labels), or null. */
export function metricValue(text: string, name: string): number | null {
  const m = text.match(new RegExp(`^${name}(?:\\{[^}]*\\})?\\s+([-+0-9.eE]+|NaN)`, 'm'))
  return m ? Number(m[1]) : null
}

const HEAP_NAMES = ['nodejs_heap_size_used_bytes', 'process_heap_used_bytes', 'switchboard_heap_used_bytes', 'nodejs_heap_used_bytes']

export async function heapUsedBytes(baseUrl: string): Promise<number | null> {
  const text = await fetchMetrics(baseUrl)
  return text === null ? null : heapUsedIn(text)
}

export interface HeapBytes {
  used: number | null
  live: number | null
  /** what V8 holds for the heap (the part of RSS it can grow without the live set growing) */
  total: number | null
  /** memory of C++ objects bound to JavaScript: Buffers (socket frames, query results) */
  external: number | null
}

/** Heap used now and right after the server's last full collection (`nodejs_heap_after_major_gc_bytes`), V8's heap capacity, and external memory. */
export async function heapBytes(baseUrl: string): Promise<HeapBytes> {
  const text = await fetchMetrics(baseUrl)
  if (text === null) return { used: null, live: null, total: null, external: null }
  return {
    used: heapUsedIn(text), live: metricValue(text, 'nodejs_heap_after_major_gc_bytes'),
    total: metricValue(text, 'nodejs_heap_size_total_bytes'), external: metricValue(text, 'nodejs_external_memory_bytes'),
  }
}

function heapUsedIn(text: string): number | null {
  for (const n of HEAP_NAMES) {
    const v = metricValue(text, n)
    if (v !== null) return v
  }
  const any = text.match(/^(\w*heap\w*used\w*)(?:\{[^}]*\})?\s+([0-9.eE+]+)/m)
  return any ? Number(any[2]) : null
}

/** Server-side counters of the engine, when `/metrics` has them. */
export interface EngineCounters {
  ops: number | null
  commits: number | null
  commitSeconds: number | null
  fanoutFrames: number | null
  slowConsumers: number | null
  rateLimited: number | null
}

export async function engineCounters(baseUrl: string): Promise<EngineCounters> {
  const text = (await fetchMetrics(baseUrl)) ?? ''
  return {
    ops: metricValue(text, 'switchboard_ops_total'),
    commits: metricValue(text, 'switchboard_commit_seconds_count'),
    commitSeconds: metricValue(text, 'switchboard_commit_seconds_sum'),
    fanoutFrames: metricValue(text, 'switchboard_fanout_frames_total'),
    slowConsumers: metricValue(text, 'switchboard_slow_consumers_total'),
    rateLimited: metricValue(text, 'switchboard_rate_limited_total'),
  }
}

export interface EngineDelta {
  /** ops per group-commit transaction */
  opsPerCommit: number | null
  commitsPerSecond: number | null
  meanCommitMs: number | null
  fanoutFramesPerSecond: number | null
  slowConsumers: number | null
  rateLimited: number | null
}

export function engineDelta(a: EngineCounters[], b: EngineCounters[], seconds: number): EngineDelta {
  const sum = (k: keyof EngineCounters, xs: EngineCounters[]) =>
    xs.every((x) => x[k] !== null) ? xs.reduce((s, x) => s + (x[k] ?? 0), 0) : null
  const d = (k: keyof EngineCounters) => {
    const x = sum(k, a)
    const y = sum(k, b)
    return x === null || y === null ? null : y - x
  }
  const ops = d('ops'), commits = d('commits'), secs = d('commitSeconds'), frames = d('fanoutFrames')
  const r = (v: number) => Math.round(v * 100) / 100
  return {
    opsPerCommit: ops !== null && commits ? r(ops / commits) : null,
    commitsPerSecond: commits !== null ? r(commits / seconds) : null,
    meanCommitMs: secs !== null && commits ? r((secs / commits) * 1000) : null,
    fanoutFramesPerSecond: frames !== null ? Math.round(frames / seconds) : null,
    slowConsumers: d('slowConsumers'),
    rateLimited: d('rateLimited'),
  }
}
