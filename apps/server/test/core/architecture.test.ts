/**
 * The server's structure, pinned (issue 18, "the engine as a pipeline"): no import cycles; the
 * domain (rules and shapes) imports nothing of the store, the engine or the routes; SQL runs only
 * in the store (and, for now, in auth/, zoom/ and the bus); the write path reads one way
 * (handlers do not import the engine, the batch and the writer do not import the bus).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from './process.ts'

const SRC = join(REPO_ROOT, 'apps/server/src')

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : []
  })
}

const files = sources(SRC)
const text = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]))
/** Relative imports (type-only ones too: they still tie the modules together). */
const imports = new Map(files.map((f) => [f,
  [...text.get(f)!.matchAll(/^(?:import|export)[^'"]*?from\s+'(\.[^']+)'/gms)].map((m) => resolve(dirname(f), m[1]!)).filter((d) => text.has(d))]))
const rel = (f: string) => relative(SRC, f)

/** Strongly connected groups of more than one module (Tarjan). */
function cycles(): string[][] {
  let next = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const on = new Set<string>()
  const out: string[][] = []
  const visit = (v: string): void => {
    index.set(v, next)
    low.set(v, next++)
    stack.push(v)
    on.add(v)
    for (const w of imports.get(v)!) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
    }
    if (low.get(v) !== index.get(v)) return
    const group: string[] = []
    let w: string
    do {
      w = stack.pop()!
      on.delete(w)
      group.push(rel(w))
    } while (w !== v)
    if (group.length > 1) out.push(group.sort())
  }
  for (const f of files) if (!index.has(f)) visit(f)
  return out
}

const under = (dir: string) => files.filter((f) => rel(f).startsWith(`${dir}/`))
const importsFrom = (f: string, dir: string) => imports.get(f)!.filter((d) => rel(d).startsWith(`${dir}/`)).map(rel)

describe('server structure', () => {
  it('has no import cycles', () => {
    expect(files.length).toBeGreaterThan(50)
    expect(cycles()).toEqual([])
  })

  it('the domain imports nothing of the store, the engine, the routes or the adapters', () => {
    const bad = under('domain').flatMap((f) => ['store', 'ws', 'http', 'auth', 'zoom', 'bus'].flatMap((d) => importsFrom(f, d)).map((d) => `${rel(f)} -> ${d}`))
    expect(bad).toEqual([])
  })

  it('runs SQL only in the store (domain/, ws/ and http/ call no query)', () => {
    const bad = [...under('domain'), ...under('ws'), ...under('http')].filter((f) => /\.(query|commitWith)\s*[<(]/.test(text.get(f)!)).map(rel)
    expect(bad).toEqual([])
  })

  it('the write path reads one way: handlers do not import the engine, the batch and the writer not the bus', () => {
    expect(importsFrom(join(SRC, 'ws/handlers.ts'), 'ws').filter((d) => d === 'ws/engine.ts')).toEqual([])
    expect(importsFrom(join(SRC, 'ws/batch.ts'), 'bus')).toEqual([])
    expect(importsFrom(join(SRC, 'ws/writer.ts'), 'bus')).toEqual([])
  })
})
