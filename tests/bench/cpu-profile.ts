/** Summarises V8 `.cpuprofile` files (from `node --cpu-prof`): top frames and areas by self time. */
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
}

interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

export interface Frame {
  name: string
  selfMs: number
  pct: number
}

export interface ProfileSummary {
  file: string
  busyMs: number
  idleMs: number
  topFunctions: Frame[]
  topAreas: Frame[]
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

export function summarizeProfile(file: string, top = 15): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const self = new Map<number, number>()
  for (let i = 0; i < p.samples.length; i++) {
    const dt = (p.timeDeltas[i + 1] ?? 0) / 1000
    self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + dt)
  }
  const fns = new Map<string, number>()
  const areas = new Map<string, number>()
  let busy = 0
  let idle = 0
  for (const [id, ms] of self) {
    const n = byId.get(id)!
    const { functionName, url, lineNumber } = n.callFrame
    if (functionName === '(idle)') {
      idle += ms
      continue
    }
    busy += ms
    const key = url ? `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}` : functionName || '(anonymous)'
    fns.set(key, (fns.get(key) ?? 0) + ms)
    const a = area(url, functionName)
    areas.set(a, (areas.get(a) ?? 0) + ms)
  }
  const rank = (m: Map<string, number>, k: number): Frame[] =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, k)
      .map(([name, ms]) => ({ name, selfMs: Math.round(ms), pct: Math.round((ms / busy) * 1000) / 10 }))
  return { file, busyMs: Math.round(busy), idleMs: Math.round(idle), topFunctions: rank(fns, top), topAreas: rank(areas, 12) }
}

export function summarizeDir(dir: string): ProfileSummary[] {
  let files: string[] = []
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort()
  } catch {
    return []
  }
  return files.map((f) => summarizeProfile(join(dir, f)))
}
