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
  if (text === null) return null
  for (const n of HEAP_NAMES) {
    const v = metricValue(text, n)
    if (v !== null) return v
  }
  const any = text.match(/^(\w*heap\w*used\w*)(?:\{[^}]*\})?\s+([0-9.eE+]+)/m)
  return any ? Number(any[2]) : null
}
