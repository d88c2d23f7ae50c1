/**
 * The configuration's docs stay true to its schema (`SETTINGS` and the derived variables in
 * config.ts): README.md and docs/architecture.md list every variable, with the table's default
 * where it is a plain value, and name no variable the server does not read; .env.example has a
 * line for each.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { allSettings, DERIVED_VARIABLES } from '../../src/config.ts'
import { REPO_ROOT } from './process.ts'

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8')

/** The configuration table's rows: variables of the first column → the default column. */
function tableRows(markdown: string): Map<string, string> {
  const rows = new Map<string, string>()
  const start = markdown.indexOf('| variable | default | meaning |')
  if (start < 0) return rows
  for (const line of markdown.slice(start).split('\n').slice(2)) {
    if (!line.startsWith('|')) break
    const [, first = '', fallback = ''] = line.split('|').map((c) => c.trim())
    for (const m of first.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) rows.set(m[1]!, fallback)
  }
  return rows
}

const settings = allSettings()
const known = new Set<string>([...settings.map((s) => s.variable), ...DERIVED_VARIABLES])

describe.each(['README.md', 'docs/architecture.md'])('%s configuration table', (page) => {
  const rows = tableRows(read(page))

  it('lists every variable the server reads, and no other', () => {
    expect(rows.size).toBeGreaterThan(40)
    expect([...known].filter((v) => !rows.has(v)).sort()).toEqual([])
    expect([...rows.keys()].filter((v) => !known.has(v)).sort()).toEqual([])
  })

  it('shows the schema\'s default of each plain setting', () => {
    const wrong = settings.filter((s) => s.shown !== null)
      .filter((s) => !(rows.get(s.variable) ?? '').includes(`\`${s.shown}\``))
      .map((s) => `${s.variable}: table says ${rows.get(s.variable)}, schema ${s.shown}`)
    expect(wrong).toEqual([])
  })
})

describe('.env.example', () => {
  it('has a line for every variable', () => {
    const example = read('.env.example')
    expect([...known].filter((v) => !new RegExp(`^${v}=`, 'm').test(example)).sort()).toEqual([])
  })
})
