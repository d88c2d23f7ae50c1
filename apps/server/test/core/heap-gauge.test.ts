/** `/metrics` reports the heap right after a full collection (what the soak holds to no drift). */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { expect, it } from 'vitest'
import { Metrics } from '../../src/ws/metrics.ts'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const gauges = { socketsByRole: {}, listening: true, available: true, boards: 0, hotDocs: 0, queued: 0, busReconnects: 0, nodeId: 'n1', readsQueued: 0 }
const value = async (metrics: Metrics, name: string) => {
  const m = (await metrics.render(gauges)).match(new RegExp(`^${name}\\{node="n1"\\} (\\d+)$`, 'm'))
  return m ? Number(m[1]) : null
}

it('exposes nodejs_heap_after_major_gc_bytes once a full collection ran, and it follows the live set', async () => {
  const metrics = new Metrics()
  gc()
  await expect.poll(() => value(metrics, 'nodejs_heap_after_major_gc_bytes')).toBeGreaterThan(0)
  const before = (await value(metrics, 'nodejs_heap_after_major_gc_bytes'))!
  // 40 MB that stay reachable: the next full collection keeps them, and the gauge shows it.
  const live = Array.from({ length: 40 }, () => new Array(128 * 1024).fill(1.5))
  gc()
  await expect.poll(async () => (await value(metrics, 'nodejs_heap_after_major_gc_bytes'))! - before).toBeGreaterThan(30 * 1024 * 1024)
  expect(live.length).toBe(40)
})
