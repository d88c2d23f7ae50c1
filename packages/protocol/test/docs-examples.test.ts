/** Keeps docs/protocol.md honest: every example frame is valid, and every message type has one. */
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { Compile } from 'typebox/compile'
import type { TSchema } from 'typebox'
import { parseClientMessage } from '../src/parse.ts'
import { clientMessageSchemas } from '../src/client-messages.ts'
import { serverMessageSchemas } from '../src/server-messages.ts'

const doc = readFileSync(fileURLToPath(new URL('../../../docs/protocol.md', import.meta.url)), 'utf8')

interface Frame { dir: '→' | '←'; json: string }

/** Frames in ```text blocks: a line starting with → or ← opens one, indented lines continue it. */
function frames(): Frame[] {
  const out: Frame[] = []
  for (const block of doc.matchAll(/```text\n([\s\S]*?)```/g)) {
    for (const line of block[1]!.split('\n')) {
      const head = line.match(/^(→|←) (.*)$/)
      if (head !== null) out.push({ dir: head[1] as Frame['dir'], json: head[2]! })
      else if (line.startsWith('   ') && out.length > 0) out.at(-1)!.json += line.trim()
    }
  }
  return out
}

const strictServer = new Map(Object.entries(serverMessageSchemas).map(([t, s]) => [t, Compile(s as TSchema)]))
const all = frames()

describe('docs/protocol.md examples', () => {
  it('has examples to check', () => {
    expect(all.length).toBeGreaterThan(30)
  })

  it.each(all.filter((f) => f.dir === '→').map((f) => [f.json.slice(0, 70), f.json]))('→ %s', (_, json) => {
    const r = parseClientMessage(json, { maxBytes: 65536 })
    expect(r.ok ? 'ok' : `${r.code} ${r.message}`).toBe('ok')
  })

  it.each(all.filter((f) => f.dir === '←').map((f) => [f.json.slice(0, 70), f.json]))('← %s', (_, json) => {
    const msg = JSON.parse(json) as { type: string }
    const validator = strictServer.get(msg.type)
    expect(validator, `unknown server type ${msg.type}`).toBeDefined()
    expect(validator!.Errors(msg)).toEqual([])
    // A batch's messages are checked one by one against their own schemas.
    for (const inner of msg.type === 'batch' ? (msg as unknown as { messages: { type: string }[] }).messages : []) {
      expect(inner.type).not.toBe('batch')
      expect(strictServer.get(inner.type)!.Errors(inner)).toEqual([])
    }
  })

  it('shows every message type at least once', () => {
    const types = (dir: Frame['dir']) => new Set(all.filter((f) => f.dir === dir).map((f) => (JSON.parse(f.json) as { type: string }).type))
    expect([...types('→')].sort()).toEqual(Object.keys(clientMessageSchemas).sort())
    expect([...types('←')].sort()).toEqual(Object.keys(serverMessageSchemas).sort())
  })
})

describe('the docs stand alone', () => {
  it('no page of docs/ nor the README links outside the repository\'s files (../shared/ is not part of it)', () => {
    const root = new URL('../../../', import.meta.url)
    const pages = ['README.md', ...readdirSync(new URL('docs/', root)).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]
    const outside = pages.filter((p) => /(^|[^\w])shared\/[A-Z]+\.md/.test(readFileSync(new URL(p, root), 'utf8')))
    expect(outside).toEqual([])
  })
})
