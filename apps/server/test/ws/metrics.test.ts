/**
 * `/metrics` on prom-client, driven through real WebSockets on embedded PGlite: the standard
 * process metrics, the engine's latency histograms with their buckets, errors by code, closes by
 * code, sockets by role, every sample labelled with the node.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Metrics } from '../../src/ws/metrics.ts'
import { Client, nodeForFile, type TestUser } from './harness.ts'

const agent: TestUser = { accountId: 'acc1', id: 'agent1', role: 'agent', name: 'Ann' }
const sup: TestUser = { accountId: 'acc1', id: 'sup1', role: 'supervisor', name: 'Sam' }

/** One sample's value: `name{labels…} value`, all the given labels present. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | null {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m || m[1] !== name) continue
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]))
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3])
  }
  return null
}

const scrape = async () => {
  const res = await node.app.inject({ url: '/metrics' })
  expect(res.statusCode).toBe(200)
  return res.body
}

const node = nodeForFile({ users: [agent, sup] })

describe('/metrics', () => {
  it('serves the standard process and Node metrics in the Prometheus text format', async () => {
    const res = await node.app.inject({ url: '/metrics' })
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
    const text = res.body
    const nodeId = node.config.nodeId
    expect(text).toContain('# TYPE process_cpu_seconds_total counter')
    expect(sample(text, 'process_cpu_seconds_total', { node: nodeId })).toBeGreaterThan(0)
    expect(sample(text, 'process_resident_memory_bytes', { node: nodeId })).toBeGreaterThan(1_000_000)
    expect(sample(text, 'nodejs_heap_size_used_bytes', { node: nodeId })).toBeGreaterThan(1_000_000)
    expect(sample(text, 'process_open_fds', { node: nodeId })).toBeGreaterThan(2)
    expect(sample(text, 'nodejs_eventloop_lag_p99_seconds', { node: nodeId })).not.toBeNull()
    expect(text).toContain('# TYPE nodejs_heap_after_major_gc_bytes gauge')
  })

  it('counts ops, commits, acks, errors and closes, and gauges sockets by role', async () => {
    const before = await scrape()
    const acksBefore = sample(before, 'switchboard_op_ack_seconds_count') ?? 0
    const commitsBefore = sample(before, 'switchboard_commit_seconds_count') ?? 0

    const a = await Client.connect(node, agent)
    const board = await Client.board(node, sup)
    await a.observe('eng-m')
    a.send('{not json')
    await a.next('error', (m) => m['code'] === 'BAD_JSON')
    await board.next('board.delta', (m) => (m['engagements'] as { id: string }[]).some((e) => e.id === 'eng-m'))

    const live = await scrape()
    expect(sample(live, 'switchboard_sockets', { role: 'agent' })).toBe(1)
    expect(sample(live, 'switchboard_sockets', { role: 'supervisor' })).toBe(1)
    expect(sample(live, 'switchboard_boards')).toBe(1)
    expect(sample(live, 'switchboard_op_ack_seconds_count')).toBe(acksBefore + 1)
    // A histogram: cumulative buckets up to +Inf, which holds every observation.
    expect(sample(live, 'switchboard_op_ack_seconds_bucket', { le: '+Inf' })).toBe(acksBefore + 1)
    expect(sample(live, 'switchboard_op_ack_seconds_bucket', { le: '10' })).toBe(acksBefore + 1)
    expect(live).toMatch(/^switchboard_commit_seconds_bucket\{le="0\.001",node="[^"]+"\} \d+$/m)
    expect(sample(live, 'switchboard_commit_seconds_count')).toBeGreaterThan(commitsBefore)
    expect(sample(live, 'switchboard_ops_per_commit_bucket', { le: '1000' })).toBe(sample(live, 'switchboard_commit_seconds_count'))
    expect(sample(live, 'switchboard_ops_total')).toBeGreaterThanOrEqual(1)
    expect(sample(live, 'switchboard_board_tick_seconds_count')).toBeGreaterThanOrEqual(1)
    expect(sample(live, 'switchboard_errors_total', { code: 'BAD_JSON' })).toBe(1)
    expect(sample(live, 'switchboard_bad_frames_total')).toBe(1)
    expect(sample(live, 'switchboard_database_up')).toBe(1)
    expect(sample(live, 'switchboard_listen_up')).toBe(1)

    a.ws.close(1000)
    board.ws.close(4321)
    await a.closed()
    await board.closed()
    await expect.poll(async () => sample(await scrape(), 'switchboard_sockets', { role: 'agent' })).toBe(0)
    const after = await scrape()
    expect(sample(after, 'switchboard_socket_closes_total', { code: '1000' })).toBeGreaterThanOrEqual(1)
    expect(sample(after, 'switchboard_socket_closes_total', { code: '4321' })).toBe(1)
  })

  it('counts HTTP error answers by code', async () => {
    const before = sample(await scrape(), 'switchboard_http_errors_total', { code: 'UNAUTHENTICATED' }) ?? 0
    expect((await node.app.inject({ url: '/api/engagements' })).statusCode).toBe(401)
    expect((await node.app.inject({ url: '/api/session' })).statusCode).toBe(401)
    expect((await node.app.inject({ url: '/api/no-such-route' })).statusCode).toBe(404)
    const text = await scrape()
    expect(sample(text, 'switchboard_http_errors_total', { code: 'UNAUTHENTICATED' })).toBe(before + 2)
    expect(sample(text, 'switchboard_http_errors_total', { code: 'ROUTE_NOT_FOUND' })).toBeGreaterThanOrEqual(1)
  })

  it('serves every metric the Grafana dashboard in deploy/ queries', async () => {
    const text = await scrape()
    const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]))
    const dashboards = join(import.meta.dirname, '../../../../deploy/grafana/dashboards')
    const queried = new Set<string>()
    for (const f of readdirSync(dashboards).filter((n) => n.endsWith('.json'))) {
      const dashboard = JSON.parse(readFileSync(join(dashboards, f), 'utf8')) as { panels: { targets?: { expr: string }[] }[] }
      for (const p of dashboard.panels) for (const t of p.targets ?? []) for (const m of t.expr.matchAll(/\b(?:switchboard|process|nodejs)_\w+/g)) queried.add(m[0])
    }
    expect(queried.size).toBeGreaterThan(20)
    const missing = [...queried].filter((name) => {
      const base = name.replace(/_(bucket|sum|count)$/, '')
      return !types.has(name) && types.get(base) !== 'histogram'
    })
    expect(missing).toEqual([])
  })

  it('keeps each engine its own counters and node label in one process', async () => {
    const gauges = (nodeId: string) => ({ socketsByRole: { agent: 2 }, listening: true, available: true, boards: 0, hotDocs: 0, queued: 0, busReconnects: 3, nodeId, readsQueued: 0 })
    const one = new Metrics()
    const two = new Metrics()
    one.commit(4, 7)
    one.webhookToBoard(120)
    const [a, b] = [await one.render(gauges('one')), await two.render(gauges('two'))]
    expect(sample(a, 'switchboard_ops_total', { node: 'one' })).toBe(7)
    expect(sample(b, 'switchboard_ops_total', { node: 'two' })).toBe(0)
    expect(sample(a, 'switchboard_ops_per_commit_bucket', { le: '5', node: 'one' })).toBe(0)
    expect(sample(a, 'switchboard_ops_per_commit_bucket', { le: '10', node: 'one' })).toBe(1)
    expect(sample(a, 'switchboard_webhook_to_board_seconds_bucket', { le: '0.25' })).toBe(1)
    expect(sample(a, 'switchboard_webhook_to_board_seconds_bucket', { le: '0.1' })).toBe(0)
    expect(sample(a, 'switchboard_listen_reconnects_total')).toBe(3)
    expect(sample(b, 'process_cpu_seconds_total', { node: 'two' })).toBeGreaterThan(0)
  })
})
