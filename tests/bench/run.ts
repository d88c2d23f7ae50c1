/**
 * `npm run bench [-- --profile ci|large] [--nodes 1|2] [--soak --minutes N] [--cpu-prof]`
 *
 * Baselines first (database alone, raw ws), then the Switchboard server(s) as child processes on
 * a throwaway database: idle-connection memory, human-cadence load, closed-loop saturation (or a
 * soak). Prints a markdown report and writes it with a JSON twin to bench-results/. Everything
 * runs on 127.0.0.1, stops by itself, and cleans up children and the database on any exit.
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, readdirSync } from 'node:fs'
import { cpus, loadavg, release, totalmem } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { runDbBaseline } from './baseline-db.ts'
import { runWsBaseline } from './baseline-ws.ts'
import { cleanup, installExitHandlers, onCleanup } from './cleanup.ts'
import { summarizeDir } from './cpu-profile.ts'
import { Samples } from './hist.ts'
import { runAuthz } from './authz.ts'
import { measureIdle } from './idle.ts'
import { sleep } from './limit.ts'
import { sampleDocUpdate, SwitchboardRun, type MinuteSample } from './load.ts'
import { heapBytes } from './metrics.ts'
import { CADENCE, parseOptions, STEADY } from './options.ts'
import { countDurable, createThrowawayDb, seedUsers, serverVersion, type BenchDb, type SeedUser } from './pgdb.ts'
import { openFds, peakRssKb, rssKb, setPostgresDatabase } from './proc.ts'
import { evaluateTargets, renderMarkdown, slope, writeReport, type BenchReport } from './report.ts'
import { ROOT, startServers, type ServerSet } from './servers.ts'
import { buildTopology } from './topology.ts'
import { BENCH_WEBHOOK_SECRET, WebhookLoad, webhookUsers } from './webhooks.ts'

class SkipServer extends Error {}

const opts = parseOptions(process.argv.slice(2))
const p = opts.profile
const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`)

// `--profile authz` is its own measurement (authz.ts).
if (opts.authzChanges !== null) process.exit(await runAuthz(opts, opts.authzChanges))

const budgetS = (opts.skipBaselines ? 0 : 2 * (p.baselineSeconds + 60)) + 600 + p.loadSeconds + p.warmupSeconds + p.saturationSeconds
installExitHandlers(budgetS * 1000)

/** Counts the warn/error lines (pino JSON, level >= 40) the servers wrote, by message and error. */
function summarizeLogs(dir: string): Record<string, number> {
  const out: Record<string, number> = {}
  let files: string[] = []
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.log'))
  } catch {
    return out
  }
  for (const f of files) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      if (!line.startsWith('{')) {
        if (line.trim()) out[`${f}: ${line.slice(0, 160)}`] = (out[`${f}: ${line.slice(0, 160)}`] ?? 0) + 1
        continue
      }
      try {
        const j = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } }
        if ((j.level ?? 0) < 40) continue
        const k = `${f.replace(/\.log$/, '')}: ${j.msg ?? ''}${j.err?.message ? ` (${j.err.message.slice(0, 120)})` : ''}`
        out[k] = (out[k] ?? 0) + 1
      } catch {
        // a line cut by a kill
      }
    }
  }
  return out
}

function revision(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'apps/server', 'packages/protocol'], { cwd: ROOT, encoding: 'utf8' }).trim()
    return dirty ? `${head}+dirty` : head
  } catch {
    return 'unknown'
  }
}

async function main(): Promise<number> {
  const topo = buildTopology(p)
  const adminUrl = opts.adminUrl
  let db: BenchDb
  if (opts.databaseUrl) db = { url: opts.databaseUrl, name: new URL(opts.databaseUrl).pathname.slice(1), throwaway: false }
  else db = await createThrowawayDb(adminUrl)
  log(`database ${db.name}${db.throwaway ? ' (throwaway, dropped at the end)' : ''}`)
  // Postgres CPU: this database's backends (and the shared background processes), not other work's.
  setPostgresDatabase(db.name)

  const report: BenchReport = {
    date: new Date().toISOString(),
    profile: p,
    nodes: opts.nodes,
    machine: {
      nproc: cpus().length,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      cpuModel: cpus()[0]?.model.trim() ?? '?',
      node: process.versions.node,
      postgres: await serverVersion(db.url),
      kernel: release(),
      loadAverage: [Math.round(loadavg()[0]! * 100) / 100, 0],
    },
    serverEntry: '',
    revision: revision(),
    database: db.throwaway ? 'throwaway on the local Postgres' : 'DATABASE_URL',
    workload: {
      accounts: p.accounts,
      agents: p.agents,
      'engagements/agent': p.engagementsPerAgent,
      'second sessions': topo.agents.filter((a) => a.hasSecondSession).length,
      boards: p.supervisors,
      watchers: `${topo.watchers.length}×${p.watchEach}${p.watchAll ? ' (every engagement watched once)' : ''}`,
      ...(p.pattern === 'steady'
        ? {
            typing: `one ${STEADY.chars}-character insert per agent every ${STEADY.everyMs} ms (${Math.round(p.agents * 1000 / STEADY.everyMs).toLocaleString('en-US')} ops/s offered)`,
            moves: 'none',
          }
        : {
            typing: `${CADENCE.keyMinMs}–${CADENCE.keyMaxMs} ms keys in ${CADENCE.burstMinMs / 1000}–${CADENCE.burstMaxMs / 1000} s bursts, ${CADENCE.flushMs} ms batches`,
            moves: `every ${CADENCE.moveMinMs / 1000}–${CADENCE.moveMaxMs / 1000} s`,
          }),
      measured: `${p.warmupSeconds} s warm-up + ${p.loadSeconds} s${p.saturationSeconds > 0 ? `, then ${p.saturationSeconds} s closed loop` : ''}`,
    },
    baselines: {},
    serverPeakRssKb: [],
    targets: [],
    problems: [],
  }
  const problem = (what: string, err: unknown) => {
    const msg = `${what}: ${(err as Error).message ?? String(err)}`
    report.problems.push(msg.split('\n').slice(0, 6).join(' / '))
    log(`FAILED ${msg}`)
  }

  const update = sampleDocUpdate()
  if (!opts.skipBaselines) {
    try {
      log(`baseline: database alone, ${p.agents} writers, ${p.baselineSeconds} s`)
      report.baselines.db = await runDbBaseline({ url: db.url, writers: p.agents, seconds: p.baselineSeconds, rowBytes: Buffer.from(update, 'base64').length })
      log(`  ${report.baselines.db.rowsPerSecond} rows/s`)
    } catch (err) {
      problem('database baseline', err)
    }
    try {
      log(`baseline: raw ws broadcast, ${p.baselineSeconds} s`)
      report.baselines.ws = await runWsBaseline(topo, { seconds: p.baselineSeconds, update })
      log(`  ${report.baselines.ws.deliveriesPerSecond} deliveries/s, ${report.baselines.ws.opsPerSecond} ops/s`)
    } catch (err) {
      problem('raw ws baseline', err)
    }
  }

  let servers: ServerSet | null = null
  const logDir = resolve(ROOT, opts.outDir, `${report.date.replace(/[:]/g, '-').replace(/\..*$/, '')}-logs`)
  let run: SwitchboardRun | null = null
  try {
    if (opts.baselinesOnly) throw new SkipServer()
    log(`starting ${opts.nodes} server node(s)${opts.cpuProf ? ' with --cpu-prof' : ''}`)
    mkdirSync(logDir, { recursive: true })
    servers = await startServers({
      count: opts.nodes, databaseUrl: db.url, cpuProf: opts.cpuProf, dist: opts.serverDist, logDir,
      extraEnv: { ZOOM_WEBHOOK_SECRET_TOKEN: BENCH_WEBHOOK_SECRET },
    })
    log(`server logs in ${logDir.replace(ROOT, '')}`)
    report.serverEntry = servers.entry.replace(ROOT, '')
    const idleUsers = Array.from({ length: opts.skipIdle ? 0 : p.idleConnections }, (_, i) => ({
      accountId: topo.accounts[0]!, userId: `idle-${topo.runId}-${i}`, name: `Idle ${i}`,
    }))
    const users: SeedUser[] = [
      ...topo.agents.map((a) => ({ accountId: a.accountId, id: a.userId, name: a.name, role: 'agent' as const })),
      ...[...topo.supervisors, ...topo.watchers].map((s) => ({ accountId: s.accountId, id: s.userId, name: s.name, role: 'supervisor' as const })),
      ...idleUsers.map((u) => ({ accountId: u.accountId, id: u.userId, name: u.name, role: 'agent' as const })),
      ...(opts.webhooksPerSecond > 0 ? webhookUsers(topo.accounts[0]!, topo.runId) : []),
    ]
    await seedUsers(db.url, users)

    if (idleUsers.length > 0) {
      try {
        log(`idle connections: ${idleUsers.length}`)
        report.idle = await measureIdle(servers.nodes[0]!, servers.secret, idleUsers)
        log(`  ${report.idle.perConnectionKb} KB per connection`)
      } catch (err) {
        problem('idle connections', err)
      }
    }

    run = new SwitchboardRun(topo, servers.nodes, servers.secret, {
      eagerOpen: !opts.awaitOpen, pattern: p.pattern, countDurable: (refs) => countDurable(db.url, refs),
    })
    const liveRun = run
    onCleanup('close clients', () => liveRun.close())
    log(`setup: ${p.agents} agents × ${p.engagementsPerAgent} engagements, ${p.supervisors} boards, ${p.watchers} watchers`)
    await run.setup(log)
    report.counters = run.counters

    const samples: MinuteSample[] = []
    let lastAcked = 0
    // Between minute samples, every 5 s: the lowest RSS per node (see MinuteSample).
    const floors: Array<number | null> = servers.nodes.map(() => null)
    const low = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b))
    const floorTimer = opts.soak
      ? setInterval(() => servers!.nodes.forEach((n, i) => { floors[i] = low(floors[i]!, rssKb(n.pid)) }), 5_000)
      : undefined
    const onMinute = opts.soak
      ? async (minute: number) => {
          const nodes = await Promise.all(servers!.nodes.map(async (n, i) => {
            const rss = rssKb(n.pid)
            const heap = await heapBytes(n.url)
            const sample = {
              rssKb: rss, fds: openFds(n.pid), heapUsedBytes: heap.used, rssFloorKb: low(floors[i]!, rss), heapLiveBytes: heap.live,
              heapTotalBytes: heap.total, externalBytes: heap.external,
            }
            floors[i] = null
            return sample
          }))
          const acked = liveRun.ops.acked
          samples.push({ minute, nodes, ackP99Ms: liveRun.ops.window.summary().p99, opsPerSecond: Math.round((acked - lastAcked) / 60) })
          lastAcked = acked
          liveRun.ops.window = new Samples()
          const mb = (kb: number | null) => Math.round((kb ?? 0) / 1024)
          log(`soak minute ${minute}: RSS ${nodes.map((x) => mb(x.rssKb)).join('/')} MB (floor ${nodes.map((x) => mb(x.rssFloorKb)).join('/')}), `
            + `heap live ${nodes.map((x) => mb((x.heapLiveBytes ?? 0) / 1024)).join('/')} MB, fds ${nodes.map((x) => x.fds).join('/')}`)
        }
      : undefined
    let webhooks: WebhookLoad | null = null
    if (opts.webhooksPerSecond > 0) {
      const target = servers.nodes[0]!
      webhooks = new WebhookLoad({
        target, board: servers.nodes[servers.nodes.length - 1]!, sessionSecret: servers.secret, accountId: topo.accounts[0]!,
        runId: topo.runId, ratePerSecond: opts.webhooksPerSecond,
      })
      await webhooks.connect()
      const live = webhooks
      onCleanup('close the webhook board', () => live.close())
    }
    log(`cadence: ${p.warmupSeconds} s warm-up + ${p.loadSeconds} s measured${webhooks ? `, with ${opts.webhooksPerSecond} Zoom webhooks/s` : ''}`)
    const webhookRun = webhooks?.run(p.warmupSeconds + p.loadSeconds).catch((err: unknown) => {
      problem('webhooks', err)
      return undefined
    })
    try {
      report.cadence = await run.cadence(p.warmupSeconds, p.loadSeconds, onMinute)
    } finally {
      clearInterval(floorTimer)
    }
    report.webhooks = await webhookRun
    webhooks?.close()
    if (report.webhooks) log(`  webhook → board p50 ${report.webhooks.answeredToBoardMs.p50} / p99 ${report.webhooks.answeredToBoardMs.p99} ms (${report.webhooks.answeredToBoardMs.count} samples)`)
    const c = report.cadence
    log(`  ${c.opsPerSecond} ops/s, ack p50 ${c.ackLatencyMs.p50} / p99 ${c.ackLatencyMs.p99} ms, delivery p99 ${c.deliveryLatencyMs.p99} ms, board p99 ${c.boardLatencyMs.p99} ms, `
      + `CPU per op: server ${c.serverCpuUsPerOp} µs, Postgres ${c.postgresCpuUsPerOp} µs (its backends ${c.postgresBackendsCpuUsPerOp ?? 'n/a'}); durable in window ${c.durable.pct}%`)
    if (opts.soak) {
      const warm = Math.min(5, Math.max(1, Math.floor(samples.length / 5)))
      const after = samples.filter((s) => s.minute > warm)
      const perNode = (value: (n: MinuteSample['nodes'][number]) => number | null) => servers!.nodes.map((_, i) =>
        after.every((s) => value(s.nodes[i]!) !== null) ? slope(after.map((s) => [s.minute, value(s.nodes[i]!)!])) : null)
      report.soak = {
        samples,
        drift: after.length < 2 ? null : {
          warmupMinutes: warm,
          rssKbPerMinute: perNode((n) => n.rssKb),
          rssFloorKbPerMinute: perNode((n) => n.rssFloorKb),
          fdsPerMinute: perNode((n) => n.fds),
          heapBytesPerMinute: perNode((n) => n.heapUsedBytes),
          heapLiveBytesPerMinute: perNode((n) => n.heapLiveBytes),
        },
      }
    }
    if (p.saturationSeconds > 0) {
      log(`saturation: ${p.saturationSeconds} s closed loop`)
      report.saturation = await run.saturation(p.saturationSeconds)
      log(`  ${report.saturation.opsPerSecond} ops/s, ${report.saturation.deliveriesPerSecond} deliveries/s`)
    }
    const refused = Object.entries(run.counters.invalidFrames)
    if (refused.length > 0) {
      report.problems.push(`clients refused server frames (${refused.map(([t, n]) => `${t} ${n}`).join(', ')}): ${run.counters.invalidSamples[0] ?? ''}`)
    }
  } catch (err) {
    if (!(err instanceof SkipServer)) problem('switchboard run', err)
  } finally {
    run?.close()
    if (servers) {
      report.serverPeakRssKb = servers.nodes.map((n) => peakRssKb(n.pid))
      await sleep(500)
      await servers.stop()
      report.serverLog = summarizeLogs(logDir)
      if (servers.cpuProfDir) {
        // Only the cadence phase's samples: setup, idle sockets and saturation are other work.
        report.cpuProfiles = summarizeDir(servers.cpuProfDir, report.cadence?.monotonicUs)
        // Keep the raw profiles next to the report (open them in Chrome DevTools > Performance).
        mkdirSync(resolve(ROOT, opts.outDir), { recursive: true })
        for (const prof of report.cpuProfiles) {
          const dest = resolve(ROOT, opts.outDir, basename(prof.file))
          copyFileSync(prof.file, dest)
          prof.file = dest.replace(ROOT, '')
        }
      }
    }
  }

  report.machine.loadAverage[1] = Math.round(loadavg()[0]! * 100) / 100
  report.targets = evaluateTargets(report)
  const files = writeReport(report, resolve(ROOT, opts.outDir))
  process.stdout.write(`${renderMarkdown(report)}\n`)
  log(`wrote ${files.md.replace(ROOT, '')} and ${files.json.replace(ROOT, '')}`)
  return report.problems.length > 0 ? 1 : 0
}

main()
  .then(async (code) => {
    await cleanup()
    process.exit(code)
  })
  .catch(async (err: unknown) => {
    log(`fatal: ${(err as Error).stack ?? String(err)}`)
    await cleanup()
    process.exit(1)
  })
