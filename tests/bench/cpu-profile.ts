/** Summarises V8 `.cpuprofile` files (from `node --cpu-prof`): top frames and areas by self time. */
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
  children?: number[]
}

interface CpuProfile {
  /** CLOCK_MONOTONIC, microseconds */
  startTime: number
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

export interface Frame {
  name: string
  selfMs: number
  pct: number
  /** heaviest caller chains (nearest first, 4 frames), for the top functions */
  calledFrom?: Array<{ chain: string; ms: number }>
}

export interface ProfileSummary {
  file: string
  busyMs: number
  idleMs: number
  topFunctions: Frame[]
  topAreas: Frame[]
  /** the CLOCK_MONOTONIC window (µs) the samples were taken from, or null for the whole run */
  window: [number, number] | null
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/')
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length)
  const apps = url.search(/(apps|packages)\//)
  if (apps >= 0) return url.slice(apps)
  return url.replace(/^file:\/\//, '')
}

function area(url: string, fn: string): string {
  if (url === '') return fn.startsWith('(') ? fn : '(native)'
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0] === 'internal' ? url.slice(5).split('/').slice(0, 2).join('/') : url.slice(5)}`
  const nm = url.lastIndexOf('node_modules/')
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/')
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!
  }
  const m = url.match(/(apps\/[^/]+\/src\/[^/]+|packages\/[^/]+\/src)/)
  return m ? m[1]! : shortUrl(url)
}

/**
 * `window`: only samples taken within [start, end] on CLOCK_MONOTONIC in microseconds, the clock
 * of the profile's `startTime` and of `process.hrtime()` in any process on the machine.
 */
export function summarizeProfile(file: string, top = 15, window?: readonly [number, number]): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const self = new Map<number, number>()
  let at = p.startTime
  for (let i = 0; i < p.samples.length; i++) {
    at += p.timeDeltas[i] ?? 0
    if (window && (at < window[0] || at > window[1])) continue
    const dt = (p.timeDeltas[i + 1] ?? 0) / 1000
    self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + dt)
  }
  const parent = new Map<number, number>()
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const label = (n: ProfileNode) => {
    const { functionName, url, lineNumber } = n.callFrame
    return url ? `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}` : functionName || '(anonymous)'
  }
  const callers = new Map<string, Map<string, number>>()
  const fns = new Map<string, number>()
  const areas = new Map<string, number>()
  let busy = 0
  let idle = 0
  for (const [id, ms] of self) {
    const n = byId.get(id)!
    const { functionName, url } = n.callFrame
    if (functionName === '(idle)') {
      idle += ms
      continue
    }
    busy += ms
    const key = label(n)
    fns.set(key, (fns.get(key) ?? 0) + ms)
    const chain: string[] = []
    for (let x = parent.get(id); x !== undefined && chain.length < 4; x = parent.get(x)) chain.push(label(byId.get(x)!))
    let byChain = callers.get(key)
    if (!byChain) callers.set(key, (byChain = new Map()))
    const c = chain.join(' ← ')
    byChain.set(c, (byChain.get(c) ?? 0) + ms)
    const a = area(url, functionName)
    areas.set(a, (areas.get(a) ?? 0) + ms)
  }
  const rank = (m: Map<string, number>, k: number): Frame[] =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, k)
      .map(([name, ms]) => ({ name, selfMs: Math.round(ms), pct: Math.round((ms / busy) * 1000) / 10 }))
  const topFunctions = rank(fns, top).map((f, i) => i >= 8 ? f : {
    ...f,
    calledFrom: [...(callers.get(f.name) ?? [])].sort((a, b) => b[1] - a[1]).slice(0, 2)
      .map(([chain, ms]) => ({ chain, ms: Math.round(ms) })),
  })
  return { file, busyMs: Math.round(busy), idleMs: Math.round(idle), topFunctions, topAreas: rank(areas, 12), window: window ? [...window] : null }
}

export function summarizeDir(dir: string, window?: readonly [number, number]): ProfileSummary[] {
  let files: string[] = []
  try {
    // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread (others are loader workers).
    files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile') && f.split('.')[4] === '0').sort()
  } catch {
    return []
  }
  return files.map((f) => summarizeProfile(join(dir, f), 15, window))
}
