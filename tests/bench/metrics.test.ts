/** The load generator's `/metrics` reading still understands what the server serves (prom-client). */
import { describe, expect, it } from 'vitest'
import { Metrics } from '../../apps/server/src/ws/metrics.ts'
import { metricValue } from './metrics.ts'

describe('bench metrics parsing', () => {
  it('reads the heap, process and engine samples the bench and the soak use', async () => {
    const m = new Metrics()
    m.commit(3, 5)
    m.commit(5, 9)
    m.fanoutFrames += 11
    m.slowConsumers++
    const text = await m.render({ socketsByRole: { agent: 1 }, listening: true, available: true, boards: 0, hotDocs: 0, queued: 0, busReconnects: 0, nodeId: 'bench-1', readsQueued: 0 })
    for (const name of ['nodejs_heap_size_used_bytes', 'nodejs_heap_size_total_bytes', 'nodejs_external_memory_bytes', 'process_resident_memory_bytes', 'process_open_fds']) {
      expect(metricValue(text, name), name).toBeGreaterThan(0)
    }
    expect(metricValue(text, 'nodejs_heap_after_major_gc_bytes')).not.toBeNull()
    expect(metricValue(text, 'switchboard_ops_total')).toBe(14)
    expect(metricValue(text, 'switchboard_commit_seconds_count')).toBe(2)
    expect(metricValue(text, 'switchboard_commit_seconds_sum')).toBeCloseTo(0.008, 6)
    expect(metricValue(text, 'switchboard_fanout_frames_total')).toBe(11)
    expect(metricValue(text, 'switchboard_slow_consumers_total')).toBe(1)
    expect(metricValue(text, 'switchboard_rate_limited_total')).toBe(0)
  })
})
