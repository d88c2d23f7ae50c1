/** Process resource readings from /proc (Linux): CPU time, RSS, peak RSS, open descriptors. */
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'

let clkTck = 100
try {
  clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
} catch {
  // keep the Linux default
}

/** User + system CPU seconds of a process, or null when it is gone. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the parenthesised comm (which may contain spaces): utime is field 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(rest[11]) + Number(rest[12])) / clkTck
  } catch {
    return null
  }
}

function statusKb(pid: number, key: string): number | null {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'))
    return m ? Number(m[1]) : null
  } catch {
    return null
  }
}

/**
 * Seconds the process's main thread spent runnable but waiting for a CPU (`/proc/<pid>/schedstat`):
 * on a shared machine this is the time other work took from it.
 */
export function runQueueWaitSeconds(pid: number): number | null {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9
  } catch {
    return null
  }
}

export const rssKb = (pid: number) => statusKb(pid, 'VmRSS')
export const peakRssKb = (pid: number) => statusKb(pid, 'VmHWM')

export function openFds(pid: number): number | null {
  try {
    return readdirSync(`/proc/${pid}/fd`).length
  } catch {
    return null
  }
}

/**
 * The database whose backends count as "Postgres CPU" (`setPostgresDatabase`): on a machine
 * shared with other work, other databases' backends are not this run's. Postgres names each
 * backend's process `postgres: <cluster>: <user> <database> <client> <state>`; processes without
 * a database (walwriter, checkpointer, background writer, launchers) serve every database and
 * are counted too, so the figure is still an upper bound for this run.
 */
let benchDatabase: string | null = null

export function setPostgresDatabase(name: string | null): void {
  benchDatabase = name
}

const BACKGROUND = /: (walwriter|checkpointer|background writer|autovacuum launcher|logical replication launcher|stats collector|archiver|wal ?sender|wal ?receiver)\b/

function countsForThisRun(pid: number): boolean {
  if (benchDatabase === null) return true
  let cmd: string
  try {
    cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')
  } catch {
    return false
  }
  return cmd.includes(` ${benchDatabase} `) || BACKGROUND.test(cmd)
}

/** CPU seconds per process whose command name starts with `postgres` (this run's, see `setPostgresDatabase`). */
export function postgresCpuByPid(): Map<number, number> {
  const out = new Map<number, number>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const comm = readFileSync(`/proc/${name}/comm`, 'utf8')
      if (!comm.startsWith('postgres')) continue
    } catch {
      continue
    }
    if (!countsForThisRun(Number(name))) continue
    const s = cpuSeconds(Number(name))
    if (s !== null) out.set(Number(name), s)
  }
  return out
}

/** CPU used by Postgres since `before`: processes that exited meanwhile are not counted (a lower bound). */
export function postgresCpuSince(before: Map<number, number>): number {
  return postgresCpuSplitSince(before).total
}

/** The same, and the part of it used by this run's database's backends (not the shared background processes). */
export function postgresCpuSplitSince(before: Map<number, number>): { total: number; backends: number } {
  let total = 0
  let backends = 0
  for (const [pid, s] of postgresCpuByPid()) {
    const used = s - (before.get(pid) ?? 0)
    total += used
    if (benchDatabase !== null && isBackendOfRun(pid)) backends += used
  }
  return { total, backends }
}

function isBackendOfRun(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').includes(` ${benchDatabase} `)
  } catch {
    return false
  }
}

/** Busy and total jiffies of the whole machine (all CPUs) from /proc/stat. */
function machineJiffies(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
  const total = f.reduce((a, b) => a + b, 0)
  const idle = (f[3] ?? 0) + (f[4] ?? 0)
  return { busy: total - idle, total }
}

/** Measures CPU use (in % of one core) of a set of processes over an interval. */
export class CpuMeter {
  private readonly t0 = performance.now()
  private readonly server0: number[]
  private readonly gen0 = process.cpuUsage()
  private readonly pg0 = postgresCpuByPid()
  private readonly wait0: number[]
  private readonly machine0 = machineJiffies()
  private readonly pids: number[]
  constructor(pids: number[]) {
    this.pids = pids
    this.server0 = pids.map((p) => cpuSeconds(p) ?? 0)
    this.wait0 = [...pids, process.pid].map((p) => runQueueWaitSeconds(p) ?? 0)
  }

  read(): {
    wallS: number; serverPct: number[]; generatorPct: number; postgresPct: number; postgresBackendsPct: number
    serverWaitPct: number[]; generatorWaitPct: number; machinePct: number
  } {
    const wallS = (performance.now() - this.t0) / 1000
    const pct = (s: number) => Math.round((s / wallS) * 1000) / 10
    const gen = process.cpuUsage(this.gen0)
    const pg = postgresCpuSplitSince(this.pg0)
    return {
      wallS: Math.round(wallS * 10) / 10,
      serverPct: this.pids.map((p, i) => pct((cpuSeconds(p) ?? this.server0[i]!) - this.server0[i]!)),
      generatorPct: pct((gen.user + gen.system) / 1e6),
      postgresPct: pct(pg.total),
      // this run's database's backends alone: the shared background processes also work for other databases
      postgresBackendsPct: pct(pg.backends),
      serverWaitPct: this.pids.map((p, i) => pct((runQueueWaitSeconds(p) ?? this.wait0[i]!) - this.wait0[i]!)),
      generatorWaitPct: pct((runQueueWaitSeconds(process.pid) ?? 0) - this.wait0[this.pids.length]!),
      // whole machine, in % of one core (a 2-core machine tops out at 200%)
      machinePct: pct((machineJiffies().busy - this.machine0.busy) / clkTck),
    }
  }
}
