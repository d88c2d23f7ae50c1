/** The benchmark report: targets, a markdown rendering and the JSON/markdown files in bench-results/. */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import type { DbBaselineResult } from './baseline-db.ts'
import type { WsBaselineResult } from './baseline-ws.ts'
import type { ProfileSummary } from './cpu-profile.ts'
import type { Summary } from './hist.ts'
import type { IdleResult } from './idle.ts'
import type { MinuteSample, PhaseResult, RunCounters } from './load.ts'
import type { Profile } from './options.ts'
import { webhookRows, type WebhookResult } from './webhooks.ts'

export interface Machine {
  nproc: number
  memoryGb: number
  cpuModel: string
  node: string
  postgres: string
  kernel: string
  /** 1-minute load average at the start and the end (other work on the machine skews absolute figures) */
  loadAverage: [number, number]
}

export interface Target {
  name: string
  target: string
  value: string
  met: boolean | null
  note: string
}

export interface SoakDrift {
  warmupMinutes: number
  rssKbPerMinute: Array<number | null>
  rssFloorKbPerMinute: Array<number | null>
  fdsPerMinute: Array<number | null>
  heapBytesPerMinute: Array<number | null>
  heapLiveBytesPerMinute: Array<number | null>
}

export interface BenchReport {
  date: string
  profile: Profile
  nodes: number
  machine: Machine
  serverEntry: string
  /** commit of the tree measured, with `+dirty` when apps/server or packages/protocol had uncommitted changes */
  revision: string
  database: string
  workload: Record<string, number | string>
  baselines: { db?: DbBaselineResult; ws?: WsBaselineResult }
  idle?: IdleResult
  cadence?: PhaseResult
  saturation?: PhaseResult
  serverPeakRssKb: Array<number | null>
  counters?: RunCounters
  soak?: { samples: MinuteSample[]; drift: SoakDrift | null }
  cpuProfiles?: ProfileSummary[]
  targets: Target[]
  problems: string[]
  /** warnings and errors the servers logged: `node: msg (err.message)` -> count */
  serverLog?: Record<string, number>
  /** signed Zoom webhooks sent during the cadence phase (webhooks.ts) */
  webhooks?: WebhookResult
}

const ms = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : `${v} ms`)
const num = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : v.toLocaleString('en-US'))
const mb = (kb: number | null | undefined) => (kb === null || kb === undefined ? 'n/a' : `${Math.round(kb / 1024)} MB`)

function latencyTarget(name: string, s: Summary | undefined, limit: number, at: 'p50' | 'p99' = 'p99'): Target {
  const v = s?.[at] ?? null
  if (v === null) return { name, target: `${at} ≤ ${limit} ms`, value: 'n/a', met: null, note: 'not measured' }
  const met = v <= limit
  return {
    name, target: `${at} ≤ ${limit} ms`, value: `${v} ms`, met,
    note: met ? `${Math.round((1 - v / limit) * 100)}% headroom` : `missed by ${Math.round((v - limit) * 10) / 10} ms (${Math.round((v / limit - 1) * 100)}% over)`,
  }
}

function ratioTarget(name: string, value: number | undefined, base: number | undefined, min: number, unit: string): Target {
  if (!value || !base) return { name, target: `≥ ${min}× baseline`, value: 'n/a', met: null, note: 'not measured' }
  const r = Math.round((value / base) * 100) / 100
  const met = r >= min
  return {
    name, target: `≥ ${min}× baseline`, value: `${r}× (${num(value)} vs ${num(base)} ${unit})`, met,
    note: met ? 'met' : `missed by ${Math.round((min - r) * 100) / 100}× (${Math.round((1 - r / min) * 100)}% short)`,
  }
}

function atMost(name: string, value: number | null | undefined, limit: number, unit: string): Target {
  if (value === null || value === undefined) return { name, target: `≤ ${limit} ${unit}`, value: 'n/a', met: null, note: 'not measured' }
  const met = value <= limit
  return {
    name, target: `≤ ${limit} ${unit}`, value: `${value} ${unit}`, met,
    note: met ? 'met' : `missed by ${Math.round((value - limit) * 10) / 10} ${unit} (${Math.round((value / limit - 1) * 100)}% over)`,
  }
}

function durableTarget(p: PhaseResult | undefined): Target {
  const d = p?.durable
  if (!d || d.pct === null) return { name: 'every op durable before its ack', target: '100% in window, 0 acked but missing', value: 'n/a', met: null, note: 'not measured' }
  const missing = d.ackedNotInDatabase
  const met = d.pct >= 100 && missing === 0
  return {
    name: 'every op durable before its ack', target: '100% in window, 0 acked but missing',
    value: `${d.pct}% of ${num(d.sent)} acked within the window + 1 s; ${missing === null ? 'database not checked' : `${num(missing)} of ${num(d.checked)} acked ops missing from the database`}`,
    met, note: met ? 'met' : 'MISSED',
  }
}

/** The targets of issue 18 (docs/performance.md, "Targets"): the peer profile has its own. */
export function evaluateTargets(r: BenchReport): Target[] {
  const c = r.cadence
  const shared = [
    ratioTarget('durable ops/s vs database alone (saturation)', r.saturation?.opsPerSecond, r.baselines.db?.rowsPerSecond, 1.0, 'ops/s'),
    ratioTarget('fan-out deliveries/s vs raw ws (saturation)', r.saturation?.deliveriesPerSecond, r.baselines.ws?.deliveriesPerSecond, 0.5, 'deliveries/s'),
    atMost('memory per idle connection', r.idle?.perConnectionKb, 10, 'KB'),
  ]
  if (r.profile.pattern === 'steady') {
    return [
      atMost('server CPU per op', c?.serverCpuUsPerOp, 110, 'µs'),
      atMost('Postgres CPU per op', c?.postgresCpuUsPerOp, 100, 'µs'),
      latencyTarget('op → durable ack', c?.ackLatencyMs, 5, 'p50'),
      latencyTarget('op → durable ack', c?.ackLatencyMs, 30),
      latencyTarget('op → other session / watcher (delivery)', c?.deliveryLatencyMs, 35),
      durableTarget(c),
      ...shared,
    ]
  }
  return [
    latencyTarget('op → ack', c?.ackLatencyMs, r.profile.name === 'large' ? 250 : 30),
    latencyTarget('agent op → supervisor board', c?.boardLatencyMs, 100),
    ...(r.webhooks ? [latencyTarget('Zoom webhook → supervisor board (issue 15: within 1 s)', r.webhooks.answeredToBoardMs, 1000)] : []),
    durableTarget(c),
    ...shared,
  ]
}

const cpuCount = () => cpus().length

function phaseRows(p: PhaseResult): string[] {
  const lat = (label: string, s: Summary) => `| ${label} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} | ${ms(s.max)} | ${num(s.count)} |`
  return [
    `| latency | p50 | p95 | p99 | max | samples |`,
    `| --- | --- | --- | --- | --- | --- |`,
    lat('op → ack', p.ackLatencyMs),
    lat('agent op → supervisor board', p.boardLatencyMs),
    lat("agent op → agent's other session", p.secondSessionLatencyMs),
    lat('agent op → engagement watcher', p.watcherLatencyMs),
    lat('delivery (other session and watcher together)', p.deliveryLatencyMs),
    '',
    `| throughput and resources | value |`,
    `| --- | --- |`,
    `| measured for | ${p.seconds} s |`,
    `| durable ops/s (acked) | ${num(p.opsPerSecond)} (${num(p.opsAcked)} ops) |`,
    `| deliveries/s (rows reaching sessions, watchers, boards) | ${num(p.deliveriesPerSecond)} (own session ${num(p.deliveries.own)}, second ${num(p.deliveries.second)}, watchers ${num(p.deliveries.watcher)}, boards ${num(p.deliveries.board)}) |`,
    `| frames received by the generator | ${num(p.framesReceived)} |`,
    `| server CPU (per node, % of one core); per acked op | ${p.serverCpuPct.map((c) => `${c}%`).join(', ')}; ${p.serverCpuUsPerOp ?? 'n/a'} µs |`,
    `| Postgres CPU (this run's database backends and the shared background processes, % of one core); per acked op | ${p.postgresCpuPct}%; ${p.postgresCpuUsPerOp ?? 'n/a'} µs (backends alone ${p.postgresBackendsCpuUsPerOp ?? 'n/a'} µs) |`,
    `| durable within the window (acked by its end + 1 s); acked but not in the database | ${p.durable.pct === null ? 'n/a' : `${p.durable.pct}% of ${num(p.durable.sent)}`}; ${p.durable.ackedNotInDatabase === null ? 'not checked' : `${num(p.durable.ackedNotInDatabase)} of ${num(p.durable.checked)}`} |`,
    `| time the main thread waited for a CPU (server; generator), % of wall | ${p.serverRunQueueWaitPct.map((c) => `${c}%`).join(', ')}; ${p.generatorRunQueueWaitPct}% |`,
    `| load generator CPU (% of one core) | ${p.generatorCpuPct}% |`,
    `| whole machine CPU (% of one core, max ${100 * cpuCount()}%); other work | ${p.machineCpuPct}%; ${otherWork(p)}% |`,
    `| server RSS at end (per node) | ${p.serverRssKb.map(mb).join(', ')} |`,
    `| unacked ops / undelivered (board, sessions) | ${p.unacked} / ${p.undelivered.board}, ${p.undelivered.sessions}${p.boardMisses.length === 0 ? '' : `; first board misses: ${p.boardMisses.slice(0, 3).map((m) => `${m.engagementId}@${m.seq} after ${m.ageMs} ms, seen by ${m.seenBy}/${m.boards} (boards at ${m.credited.join('/')})`).join('; ')}`} |`,
    `| group commit (server /metrics) | ${p.engine.commitsPerSecond === null ? 'n/a' : `${p.engine.commitsPerSecond} commits/s, ${p.engine.opsPerCommit} ops/commit, mean ${p.engine.meanCommitMs} ms`} |`,
    `| server fan-out frames/s; slow consumers; rate-limited | ${num(p.engine.fanoutFramesPerSecond)}; ${num(p.engine.slowConsumers)}; ${num(p.engine.rateLimited)} |`,
  ]
}

/** The peer workload beside the same run's baselines (both closed loops: their per-op CPU is at full load). */
function peerRows(r: BenchReport, c: PhaseResult): string[] {
  const { db, ws } = r.baselines
  const us = (pct: number, seconds: number, n: number) => (n > 0 ? `${Math.round(((pct / 100) * seconds * 1e6) / n)} µs` : 'n/a')
  const pair = (s: Summary | undefined) => (s ? `${ms(s.p50)} / ${ms(s.p99)}` : 'n/a')
  return [
    '', `## P(${r.profile.agents}) beside the baselines of the same run`, '',
    `| figure | Switchboard (${num(c.opsPerSecond)} ops/s acked) | database alone: one INSERT transaction per op | raw ws broadcast, nothing stored |`,
    '| --- | --- | --- | --- |',
    `| op → durable ack p50 / p99 | ${pair(c.ackLatencyMs)} | commit ${pair(db?.commitLatencyMs)} | ack (not durable) ${pair(ws?.ackLatencyMs)} |`,
    `| delivery p99 (other session, watcher) | ${ms(c.deliveryLatencyMs.p99)} (${ms(c.secondSessionLatencyMs.p99)}, ${ms(c.watcherLatencyMs.p99)}) | — | — |`,
    `| server CPU per op | ${c.serverCpuUsPerOp ?? 'n/a'} µs | — | ${ws ? us(ws.serverCpuPct, ws.seconds, ws.ops) : 'n/a'} |`,
    `| Postgres CPU per op | ${c.postgresCpuUsPerOp ?? 'n/a'} µs | ${db ? us(db.postgresCpuPct, db.seconds, db.rows) : 'n/a'} | — |`,
    `| durable within the window | ${c.durable.pct ?? 'n/a'}%${c.durable.ackedNotInDatabase === null ? '' : ` (${num(c.durable.ackedNotInDatabase)} acked ops missing from the database)`} | 100% (answered after COMMIT) | 0% |`,
    `| load | ${num(Math.round(c.durable.sent / c.seconds))} ops/s offered, ${num(c.opsPerSecond)} acked | closed loop, ${db ? `${num(db.writers)} writers, ${num(db.rowsPerSecond)} rows/s` : 'n/a'} | closed loop, ${ws ? `${num(ws.opsPerSecond)} ops/s` : 'n/a'} |`,
    `| whole machine CPU, % of one core (other work) | ${c.machineCpuPct}% (${otherWork(c)}%) | ${db ? `${db.machineCpuPct}%` : 'n/a'} | ${ws ? `${ws.machineCpuPct}%` : 'n/a'} |`,
  ]
}

function otherWork(p: PhaseResult): number {
  return Math.round((p.machineCpuPct - p.serverCpuPct.reduce((a, b) => a + b, 0) - p.postgresCpuPct - p.generatorCpuPct) * 10) / 10
}

export function renderMarkdown(r: BenchReport): string {
  const out: string[] = []
  const mc = r.machine
  out.push(`# Switchboard bench — profile \`${r.profile.name}\`, ${r.nodes} node${r.nodes > 1 ? 's' : ''}`, '')
  out.push(`${r.date} · ${mc.nproc} CPUs (${mc.cpuModel}) · ${mc.memoryGb} GB RAM · Node ${mc.node} · PostgreSQL ${mc.postgres} · Linux ${mc.kernel} · load average ${mc.loadAverage[0]} at start, ${mc.loadAverage[1]} at end`, '')
  out.push(`Server: \`${r.serverEntry}\` at ${r.revision}.`, '')
  out.push(`Workload: ${Object.entries(r.workload).map(([k, v]) => `${k} ${v}`).join(' · ')}`, '')
  out.push('## Targets (reported, not asserted)', '', '| target | goal | measured | verdict |', '| --- | --- | --- | --- |')
  for (const t of r.targets) out.push(`| ${t.name} | ${t.target} | ${t.value} | ${t.met === null ? '—' : t.met ? 'met' : 'MISSED'}: ${t.note} |`)
  if (r.profile.pattern === 'steady' && r.cadence) out.push(...peerRows(r, r.cadence))
  const sat = r.saturation
  const raw = r.baselines.ws
  if (sat && raw && raw.serverCpuPct > 0) {
    const sbCpu = sat.serverCpuPct.reduce((a, b) => a + b, 0)
    const eff = (d: number, pct: number) => Math.round(d / (pct / 100))
    out.push('', `Fan-out efficiency (deliveries per server CPU-second, saturation vs raw ws): ${num(eff(sat.deliveriesPerSecond, sbCpu))} vs ${num(eff(raw.deliveriesPerSecond, raw.serverCpuPct))}` +
      ` (${Math.round((eff(sat.deliveriesPerSecond, sbCpu) / eff(raw.deliveriesPerSecond, raw.serverCpuPct)) * 100) / 100}×); deliveries per op ${sat.opsAcked > 0 ? Math.round((sat.deliveries.total / sat.opsAcked) * 100) / 100 : 'n/a'} vs ${raw.fanoutPerOp}.`)
  }
  out.push('')
  if (r.cadence) out.push('## Human cadence', '', ...phaseRows(r.cadence), '')
  if (r.webhooks) out.push(...webhookRows(r.webhooks), '')
  if (r.saturation) out.push('## Saturation (closed loop, one op in flight per agent)', '', ...phaseRows(r.saturation), '')
  const { db, ws } = r.baselines
  if (db || ws) {
    out.push('## Baselines (same run)', '', '| baseline | result | detail |', '| --- | --- | --- |')
    if (db) {
      out.push(`| database alone: one row per transaction, ${db.writers} writers on ${db.connections} connections | ${num(db.rowsPerSecond)} rows/s | commit p50 ${ms(db.commitLatencyMs.p50)}, p99 ${ms(db.commitLatencyMs.p99)}; Postgres CPU ${db.postgresCpuPct}%, generator ${db.generatorCpuPct}%, whole machine ${db.machineCpuPct}% |`)
    }
    if (ws) {
      out.push(`| raw ws broadcast, no persistence: ${ws.connections} sockets, ${ws.publishers} publishers | ${num(ws.deliveriesPerSecond)} deliveries/s | ${num(ws.opsPerSecond)} ops/s, fan-out ${ws.fanoutPerOp}/op, ${ws.frameBytes} B frames; ack p50 ${ms(ws.ackLatencyMs.p50)}, p99 ${ms(ws.ackLatencyMs.p99)}; server CPU ${ws.serverCpuPct}%, generator ${ws.generatorCpuPct}%, whole machine ${ws.machineCpuPct}%, server peak RSS ${mb(ws.serverPeakRssKb)} |`)
    }
    out.push('')
  }
  if (r.idle) {
    const i = r.idle
    out.push('## Idle connections', '', `${num(i.connections)} authenticated idle sockets on one node (opened in ${i.connectSeconds} s): RSS ${mb(i.rssBeforeKb)} → ${mb(i.rssAfterKb)}, **${i.perConnectionKb} KB per connection**` +
      (i.heapPerConnectionKb !== null ? `; JS heap ${i.heapPerConnectionKb} KB per connection` : '') + `; ${num(i.fdsAfter)} open descriptors.`, '')
  }
  if (r.serverPeakRssKb.length > 0) out.push(`Server peak RSS (VmHWM) per node: ${r.serverPeakRssKb.map(mb).join(', ')}.`, '')
  if (r.counters) {
    const c = r.counters
    const fmt = (o: Record<string, number>) => Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'
    out.push(`Client reconnects: ${c.reconnects}; close codes seen: ${fmt(c.closeCodes)}; rejected ops: ${fmt(c.rejected)}; error frames: ${fmt(c.errors)}; `
      + `server frames the client parser refused: ${fmt(c.invalidFrames)}.`, '')
    for (const sample of c.invalidSamples) out.push(`- refused frame: \`${sample.replace(/`/g, "'")}\``)
    if (c.invalidSamples.length > 0) out.push('')
  }
  if (r.soak) {
    out.push('## Soak', '', 'RSS floor: the lowest of the readings taken every 5 s during the minute. Heap live: heap used right after the last full collection.', '',
      '| minute | RSS per node | RSS floor | heap used | heap live | heap total | external | open fds | ack p99 | ops/s |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
    const heap = (b: number | null) => (b === null ? 'n/a' : mb(b / 1024))
    for (const s of r.soak.samples) {
      const per = (f: (n: MinuteSample['nodes'][number]) => string) => s.nodes.map(f).join(', ')
      out.push(`| ${s.minute} | ${per((n) => mb(n.rssKb))} | ${per((n) => mb(n.rssFloorKb))} | ${per((n) => heap(n.heapUsedBytes))} | ${per((n) => heap(n.heapLiveBytes))} | ${per((n) => heap(n.heapTotalBytes ?? null))} | ${per((n) => heap(n.externalBytes ?? null))} | ${per((n) => num(n.fds))} | ${ms(s.ackP99Ms)} | ${num(s.opsPerSecond)} |`)
    }
    const d = r.soak.drift
    if (d) {
      const kb = (vs: Array<number | null>, div = 1) => vs.map((v) => (v === null ? 'n/a' : `${Math.round(v / div)} KB/min`)).join(', ')
      out.push('', `Drift after ${d.warmupMinutes} min warm-up (least-squares slope per minute, per node): RSS ${kb(d.rssKbPerMinute)} (floor ${kb(d.rssFloorKbPerMinute)}); `
        + `heap ${kb(d.heapBytesPerMinute, 1024)} (live ${kb(d.heapLiveBytesPerMinute, 1024)}); fds ${d.fdsPerMinute.map((v) => `${v ?? 'n/a'}/min`).join(', ')}.`)
    }
    out.push('')
  }
  if (r.cpuProfiles && r.cpuProfiles.length > 0) {
    out.push(`## Where the server time goes (\`--cpu-prof\`, self time${r.cpuProfiles[0]?.window ? ', samples of the cadence phase only' : ''})`, '')
    for (const p of r.cpuProfiles) {
      out.push(`Profile \`${p.file.split('/').pop()}\`: busy ${num(p.busyMs)} ms, idle ${num(p.idleMs)} ms.`, '')
      out.push('| area | self | share |', '| --- | --- | --- |', ...p.topAreas.map((f) => `| ${f.name} | ${num(f.selfMs)} ms | ${f.pct}% |`), '')
      out.push('| function | self | share | heaviest callers |', '| --- | --- | --- | --- |', ...p.topFunctions.map((f) =>
        `| \`${f.name}\` | ${num(f.selfMs)} ms | ${f.pct}% | ${(f.calledFrom ?? []).map((c) => `${num(c.ms)} ms: ${c.chain || '(root)'}`).join('<br>')} |`), '')
    }
  }
  if (r.problems.length > 0) out.push('## Problems during the run', '', ...r.problems.map((p) => `- ${p}`), '')
  const logged = Object.entries(r.serverLog ?? {}).sort((a, b) => b[1] - a[1])
  if (logged.length > 0) {
    out.push('## Server warnings and errors', '', '| count | message |', '| --- | --- |', ...logged.slice(0, 15).map(([m, n]) => `| ${n} | ${m.replace(/\|/g, '/')} |`), '')
  }
  return out.join('\n')
}

export function writeReport(r: BenchReport, outDir: string): { md: string; json: string } {
  mkdirSync(outDir, { recursive: true })
  const stamp = r.date.replace(/[:]/g, '-').replace(/\..*$/, '')
  const base = join(outDir, `${stamp}-${r.profile.name}-${r.nodes}n`)
  writeFileSync(`${base}.md`, renderMarkdown(r))
  writeFileSync(`${base}.json`, JSON.stringify(r, null, 2))
  return { md: `${base}.md`, json: `${base}.json` }
}

/** Least-squares slope of y over x (per unit of x). */
export function slope(points: Array<[number, number]>): number {
  const n = points.length
  if (n < 2) return 0
  let sx = 0, sy = 0, sxx = 0, sxy = 0
  for (const [x, y] of points) {
    sx += x
    sy += y
    sxx += x * x
    sxy += x * y
  }
  const d = n * sxx - sx * sx
  return d === 0 ? 0 : Math.round(((n * sxy - sx * sy) / d) * 10) / 10
}
