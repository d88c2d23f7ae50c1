/** Small HTTP probes of a node: readiness with a deadline, metric values. */
import { fetchMetrics, metricValue } from '../../bench/metrics.ts'

/** `/readyz` status and error code; `timeout` when no answer within `ms` (a hung readiness check). */
export async function readyz(baseUrl: string, ms = 3_000): Promise<{ status: number | 'timeout' | 'down'; code?: string }> {
  try {
    const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(ms) })
    const body = await res.json().catch(() => null) as { error?: { code?: string } } | null
    return body?.error?.code ? { status: res.status, code: body.error.code } : { status: res.status }
  } catch (err) {
    return { status: (err as Error).name === 'TimeoutError' ? 'timeout' : 'down' }
  }
}

export async function metric(baseUrl: string, name: string): Promise<number | null> {
  const text = await fetchMetrics(baseUrl)
  return text === null ? null : metricValue(text, name)
}
