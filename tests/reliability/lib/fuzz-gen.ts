/**
 * Seeded frame generator for the socket fuzzer. Every frame it makes is meant to be refused
 * (invalid shape, wrong type, too big, too deep, bad bytes, unknown type, not allowed, a target
 * the caller may not write): none may write a row. Structure-aware frames start from a valid
 * message of each client type and break one thing.
 */
import * as Y from 'yjs'
import { parseClientMessage } from '@switchboard/protocol'
import { rng } from '../../bench/topology.ts'

export interface Targets {
  /** the fuzzing agent's own engagement (writes to it with a valid shape would succeed: never sent valid) */
  own: string
  /** a colleague's engagement (same account) */
  colleague: string
  /** an engagement of another account */
  foreign: string
  maxFrameBytes: number
}

export interface Frame {
  category: string
  data: string | Buffer
  binary: boolean
  /** needs a connection that has not sent hello */
  preHello?: boolean
}

const UUID = '0192f1c4-5e6a-7b3c-9d2e-1f0a2b3c4d01'

export class FrameGen {
  readonly rand: () => number
  readonly t: Targets
  #n = 0

  constructor(seed: number, targets: Targets) {
    this.rand = rng(seed)
    this.t = targets
  }

  int(n: number): number {
    return Math.floor(this.rand() * n)
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!
  }

  opId(): string {
    // Unique, well-formed op ids so a refused op can never be confused with an earlier one.
    const n = (this.#n++).toString(16).padStart(12, '0')
    return `0192f1c4-5e6a-7b3c-9d2e-${n.slice(-12)}`
  }

  bytes(n: number): Buffer {
    const b = Buffer.alloc(n)
    for (let i = 0; i < n; i++) b[i] = this.int(256)
    return b
  }

  /** Random text of valid UTF-8 (lone surrogates are escaped by JSON.stringify or replaced). */
  noise(n: number): string {
    let s = ''
    const pools = ['{}[]":,\\ ', 'abcXYZ019', '\u0000\u001f\u007f', 'éß漢字🙂', 'truefalsenull']
    for (let i = 0; i < n; i++) {
      const pool = this.pick(pools)
      s += [...pool][this.int([...pool].length)]
    }
    return s
  }

  /** A value of a type other than the schema's (the caller passes what the field holds). */
  wrongValue(current: unknown): unknown {
    const options: unknown[] = [null, true, 0, -1, 1.5, 1e308, '', 'x', [], {}, [1, 'a'], { a: { b: 1 } }, '0192f1c4']
    for (let i = 0; i < 20; i++) {
      const v = this.pick(options)
      if (typeof v !== typeof current || Array.isArray(v) !== Array.isArray(current) || (v === null) !== (current === null)) return v
    }
    return null
  }

  deep(depth: number): string {
    const open = this.rand() < 0.5 ? '[' : '{"a":'
    const close = open === '[' ? ']' : '}'
    return open.repeat(depth) + '1' + close.repeat(depth)
  }

  /** Valid messages of every client type, the starting points of structure-aware frames. */
  templates(): Record<string, Record<string, unknown>> {
    const e = this.t.own
    const now = Date.now()
    return {
      'hello': { type: 'hello', protocolVersion: 1, clientId: 'fuzz-client', surface: 'agent' },
      'ping': { type: 'ping', t: now },
      'subscribe': { type: 'subscribe', engagementId: e, afterSeq: 0 },
      'unsubscribe': { type: 'unsubscribe', engagementId: e },
      'board.subscribe': { type: 'board.subscribe' },
      'board.unsubscribe': { type: 'board.unsubscribe' },
      'engagement.observe': {
        type: 'engagement.observe', opId: UUID, engagementId: e, at: now,
        context: { engagementId: e, startTime: now, queueId: 'q', isTransfer: false },
        status: { state: 'active', channel: 'voice', consumers: [{ consumerDisplayName: 'C' }] },
      },
      'engagement.status': { type: 'engagement.status', opId: UUID, engagementId: e, changes: { state: 'inactive' }, zoomTimestamp: now, at: now },
      'engagement.focus': { type: 'engagement.focus', opId: UUID, engagementId: e, at: now },
      'engagement.variables': { type: 'engagement.variables', opId: UUID, engagementId: e, variables: [{ id: 'v1', name: 'n', value: 'x' }], at: now },
      'doc.update': { type: 'doc.update', opId: UUID, engagementId: e, update: 'AAA=' },
      'help.set': { type: 'help.set', opId: UUID, engagementId: e, raised: true, note: 'n' },
      'whisper.send': { type: 'whisper.send', opId: UUID, engagementId: e, text: 'hi' },
      'whisper.read': { type: 'whisper.read', opId: UUID, engagementId: e, whisperSeq: 1 },
    }
  }

  /** Paths of every leaf and object in a message (for targeted mutation). */
  paths(v: unknown, prefix: string[] = []): string[][] {
    if (typeof v !== 'object' || v === null) return [prefix]
    const out: string[][] = prefix.length > 0 ? [prefix] : []
    for (const [k, x] of Object.entries(v)) out.push(...this.paths(x, [...prefix, k]))
    return out
  }

  static get(v: unknown, path: string[]): unknown {
    let cur = v
    for (const k of path) cur = (cur as Record<string, unknown>)[k]
    return cur
  }

  static set(v: unknown, path: string[], value: unknown): void {
    let cur = v as Record<string, unknown>
    for (const k of path.slice(0, -1)) cur = cur[k] as Record<string, unknown>
    const last = path[path.length - 1]!
    if (value === undefined) delete cur[last]
    else cur[last] = value
  }

  /** A Yjs update that must be refused: another root type, or `notes` as the wrong type. */
  badDocUpdate(): [category: string, update: string] {
    const d = new Y.Doc()
    const kind = this.int(4)
    if (kind === 0) d.getMap('evil').set('x', 1)
    else if (kind === 1) d.getArray('notes').push(['x'])
    else if (kind === 2) d.getText('wrapup').insert(0, 'x')
    else d.getXmlFragment('other').insert(0, [new Y.XmlText('x')])
    const u = Buffer.from(Y.encodeStateAsUpdate(d)).toString('base64')
    d.destroy()
    return [kind === 0 || kind === 3 ? 'bad-doc-other-root' : 'bad-doc-root-wrong-type', u]
  }

  next(): Frame {
    const r = this.rand()
    const tpl = this.templates()
    const types = Object.keys(tpl)
    const json = (category: string, v: unknown, preHello = false): Frame => ({ category, data: JSON.stringify(v), binary: false, preHello })
    if (r < 0.06) return { category: 'binary', data: this.bytes(1 + this.int(2048)), binary: true }
    if (r < 0.1) {
      // invalid UTF-8 in a text frame
      const b = Buffer.concat([Buffer.from('{"type":"ping","t":'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('}')])
      return { category: 'bad-utf8', data: b, binary: false }
    }
    if (r < 0.16) return { category: 'noise', data: this.noise(1 + this.int(300)), binary: false }
    if (r < 0.2) return { category: 'json-not-object', data: JSON.stringify(this.pick([1, 'x', null, [], [{ type: 'ping' }], true, 1e308])), binary: false }
    if (r < 0.24) return json('unknown-type', { type: this.pick(['engagement.delete', 'admin', '', 'HELLO', 'ping ', 'constructor', 'toString', this.noise(20)]), opId: this.opId() })
    if (r < 0.27) return json('no-type', { opId: this.opId(), engagementId: this.t.own })
    const type = this.pick(types)
    const m = structuredClone(tpl[type]!)
    if ('opId' in m) m['opId'] = this.opId()
    if (r < 0.42) {
      // Fields whose schema is a union of string and number/boolean/null accept most "wrong" values.
      const unions = new Set(['startTime', 'acceptTime', 'endTime', 'value'])
      const path = this.pick(this.paths(m).filter((p) => p.length > 0 && !unions.has(p[p.length - 1]!)))
      FrameGen.set(m, path, this.wrongValue(FrameGen.get(m, path)))
      return json('wrong-type', m)
    }
    if (r < 0.5) {
      const required = this.paths(m).filter((p) => p.length === 1 && p[0] !== 'afterSeq' && p[0] !== 'note' && p[0] !== 'status' && p[0] !== 'zoomTimestamp')
      if (type === 'board.subscribe' || type === 'board.unsubscribe' || required.length <= 1) return json('unknown-field', { ...m, zz: 1 })
      FrameGen.set(m, this.pick(required.filter((p) => p[0] !== 'type')), undefined)
      return json('missing-field', m)
    }
    if (r < 0.58) {
      const objects = this.paths(m).filter((p) => typeof FrameGen.get(m, p) === 'object' && FrameGen.get(m, p) !== null && !Array.isArray(FrameGen.get(m, p)))
      const at = objects.length > 0 && this.rand() < 0.5 ? (FrameGen.get(m, this.pick(objects)) as Record<string, unknown>) : m
      at[this.pick(['zz', 'extra', 'accountId', 'role', 'agentId', 'seq', 'admin'])] = this.pick([1, 'x', true, { a: 1 }])
      return json('unknown-field', m)
    }
    if (r < 0.64) {
      const strings = this.paths(m).filter((p) => typeof FrameGen.get(m, p) === 'string' && p[0] !== 'type')
      if (strings.length === 0) return json('unknown-field', { ...m, zz: 'x' })
      // Over the field's limit but (mostly) under the frame cap; sometimes over the frame cap.
      let size = this.rand() < 0.1 ? this.t.maxFrameBytes + this.int(1000) : 129 + this.int(Math.min(this.t.maxFrameBytes - 1000, 60_000))
      const path = this.pick(strings)
      FrameGen.set(m, path, 'A'.repeat(size))
      // A size that happens to fit the field's own limit makes a valid frame: grow it until the
      // strict parser refuses it, so the category only holds hostile frames.
      while (parseClientMessage(JSON.stringify(m), { maxBytes: this.t.maxFrameBytes }).ok) {
        size *= 2
        FrameGen.set(m, path, 'A'.repeat(size))
      }
      return json('huge-string', m)
    }
    if (r < 0.69) {
      const fields = this.paths(m).filter((p) => p.length > 0 && p[0] !== 'type')
      const path = fields.length > 0 ? this.pick(fields) : ['zz']
      const marker = '"__DEEP__"'
      FrameGen.set(m, path, '__DEEP__')
      return { category: 'deep', data: JSON.stringify(m).replace(marker, this.deep(17 + this.int(this.rand() < 0.2 ? 5000 : 200))), binary: false }
    }
    if (r < 0.73) {
      const key = this.pick(['__proto__', '__pro\\u0074o__', 'constructor', 'prototype'])
      const body = JSON.stringify(m).slice(1, -1)
      const inner = this.rand() < 0.5 && 'context' in m ? JSON.stringify(m).replace('"context":{', `"context":{"${key}":{"isTransfer":true},`) : `{"${key}":{"role":"admin"},${body}}`
      return { category: 'proto-key', data: inner, binary: false }
    }
    if (r < 0.8 && 'engagementId' in m) {
      // A well-formed message aimed at something this caller may not touch or that does not exist.
      // An observe of an id that does not exist in the caller's account would create it (valid): only
      // ids that exist for someone else, or are malformed, for observe.
      const id = type === 'engagement.observe'
        ? this.pick([this.t.colleague, '', 'x'.repeat(129)])
        : this.pick([this.t.colleague, this.t.foreign, 'eng-does-not-exist', '', 'x'.repeat(129), '../../etc/passwd', "e' or '1'='1", '\u0000'])
      m['engagementId'] = id
      if (m['context']) (m['context'] as Record<string, unknown>)['engagementId'] = id
      if (type === 'whisper.read') m['whisperSeq'] = 1_000_000
      return json('bad-target', m)
    }
    if (r < 0.86) {
      const d = structuredClone(tpl['doc.update']!)
      d['opId'] = this.opId()
      const kind = this.int(4)
      if (kind === 0) {
        d['update'] = this.pick(['!!!!', 'A', 'AAAA====', '====', 'é'])
        return json('bad-doc-base64', d)
      }
      if (kind === 1) {
        d['update'] = this.bytes(2 + this.int(200)).toString('base64')
        return json('bad-doc-random-bytes', d)
      }
      const [category, update] = this.badDocUpdate()
      d['update'] = update
      return json(category, d)
    }
    if (r < 0.9) {
      const nums: Array<[string, unknown]> = [['at', -1], ['at', 8.64e15 + 1], ['at', '1e400'], ['whisperSeq', 0], ['whisperSeq', 1.5], ['afterSeq', -1], ['t', -5]]
      const [k, v] = this.pick(nums)
      const target = structuredClone(tpl[k === 'whisperSeq' ? 'whisper.read' : k === 'afterSeq' ? 'subscribe' : k === 't' ? 'ping' : 'engagement.focus']!)
      if ('opId' in target) target['opId'] = this.opId()
      const text = JSON.stringify({ ...target, [k]: v === '1e400' ? '__NUM__' : v }).replace('"__NUM__"', '1e400')
      return { category: 'bad-number', data: text, binary: false }
    }
    if (r < 0.94) {
      // Supervisor-only messages from the agent.
      const na = structuredClone(tpl[this.pick(['board.subscribe', 'whisper.send'])]!)
      if ('opId' in na) na['opId'] = this.opId()
      return json('not-allowed', na)
    }
    if (r < 0.97) {
      const hello = structuredClone(tpl['hello']!)
      const kind = this.int(3)
      if (kind === 0) return json('hello-again', hello)
      if (kind === 1) return json('pre-hello', { type: 'ping', t: 1 }, true)
      return json('bad-version', { ...hello, protocolVersion: this.pick([0, 999, 2 ** 31]) }, true)
    }
    return json('opid-format', { ...structuredClone(tpl['engagement.focus']!), opId: this.pick(['', 'x', UUID.toUpperCase() + 'g', '{}', 'a'.repeat(65), UUID.replace(/-/g, '')]) })
  }
}
