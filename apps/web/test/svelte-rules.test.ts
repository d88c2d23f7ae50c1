/**
 * House rules for the Svelte code that the compiler cannot enforce: warnings are fixed, never
 * silenced (`svelte-check --fail-on-warnings` would not see a silenced one), and effects are not
 * used as mount hooks (`onMount` is) nor to copy state into other state (`$derived` is).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = join(import.meta.dirname, '../src')

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name)
    if (e.isDirectory()) return sources(p)
    return /\.svelte(\.ts)?$/.test(e.name) ? [p] : []
  })
}

function offending(pattern: RegExp): string[] {
  return sources(SRC).flatMap((file) => readFileSync(file, 'utf8').split('\n')
    .flatMap((line, i) => (pattern.test(line) ? [`${relative(SRC, file)}:${i + 1}: ${line.trim()}`] : [])))
}

describe('Svelte code', () => {
  it('silences no compiler warning', () => {
    expect(offending(/svelte-ignore/)).toEqual([])
  })

  it('uses no untracked effect as a mount hook and no effect to hold the clock', () => {
    expect(offending(/\$effect\(\s*\(\)\s*=>\s*untrack\(/)).toEqual([])
    expect(offending(/\buntrack\(/)).toEqual([])
    expect(offending(/\$effect\(\s*\(\)\s*=>\s*\w+\.hold\(/)).toEqual([])
  })
})
