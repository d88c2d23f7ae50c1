import { describe, expect, it } from 'vitest'
import { exceedsDepth, parseClientMessage, parseServerMessage } from '../src/parse.ts'
import type { clientMessageSchemas } from '../src/client-messages.ts'
import { serverMessageSchemas } from '../src/server-messages.ts'

const opts = { maxBytes: 65536 }
const OP = '0190f3a2-7b1c-7def-8abc-0123456789ab'
const status = { type: 'engagement.status', opId: OP, engagementId: 'e1', changes: { state: 'active' }, at: 1 }

/** One valid example of every client message (also proves the examples in docs are valid). */
const validClient: Record<keyof typeof clientMessageSchemas, unknown> = {
  'hello': { type: 'hello', protocolVersion: 1, clientId: 'tab-1', surface: 'agent' },
  'ping': { type: 'ping', t: 1 },
  'subscribe': { type: 'subscribe', engagementId: 'e1', afterSeq: 4 },
  'unsubscribe': { type: 'unsubscribe', engagementId: 'e1' },
  'board.subscribe': { type: 'board.subscribe' },
  'board.unsubscribe': { type: 'board.unsubscribe' },
  'engagement.observe': {
    type: 'engagement.observe', opId: OP, engagementId: 'e1', at: 1,
    context: { engagementId: 'e1', queueId: 'q1', queueName: 'Support' },
    status: { state: 'active', channel: 'voice', consumers: [{ consumerDisplayName: 'Ann' }] },
  },
  'engagement.status': status,
  'engagement.focus': { type: 'engagement.focus', opId: OP, engagementId: 'e1', at: 1 },
  'engagement.variables': {
    type: 'engagement.variables', opId: OP, engagementId: 'e1', at: 1, variables: [{ id: 'v1', value: 'x' }],
  },
  'doc.update': { type: 'doc.update', opId: OP, engagementId: 'e1', update: 'AQLs2+3HAQA=' },
  'help.set': { type: 'help.set', opId: OP, engagementId: 'e1', raised: true },
  'whisper.send': { type: 'whisper.send', opId: OP, engagementId: 'e1', text: 'take it slow' },
  'whisper.read': { type: 'whisper.read', opId: OP, engagementId: 'e1', whisperSeq: 7 },
}

describe('parseClientMessage (strict, server side)', () => {
  it.each(Object.entries(validClient))('accepts a valid %s', (type, msg) => {
    const r = parseClientMessage(JSON.stringify(msg), opts)
    expect(r).toEqual({ ok: true, message: msg })
    expect(r.ok && r.message.type).toBe(type)
  })

  it('accepts text frames as bytes (ws hands Buffers) and fragmented buffers', () => {
    const bytes = new TextEncoder().encode(JSON.stringify(status))
    expect(parseClientMessage(bytes, opts).ok).toBe(true)
    expect(parseClientMessage([bytes.subarray(0, 10), bytes.subarray(10)], opts).ok).toBe(true)
    expect(parseClientMessage(bytes.buffer as ArrayBuffer, opts).ok).toBe(true)
  })

  it('BAD_JSON for malformed JSON and invalid UTF-8', () => {
    expect(parseClientMessage('{"type":', opts)).toMatchObject({ ok: false, code: 'BAD_JSON' })
    expect(parseClientMessage(new Uint8Array([0x7b, 0xff, 0x7d]), opts)).toMatchObject({ ok: false, code: 'BAD_JSON' })
  })

  it('UNKNOWN_TYPE for a type that does not exist, including prototype names', () => {
    for (const type of ['engagement.delete', '__proto__', 'constructor', 'toString']) {
      expect(parseClientMessage(JSON.stringify({ type, opId: OP }), opts)).toMatchObject({ ok: false, code: 'UNKNOWN_TYPE', opId: OP })
    }
  })

  it('BAD_MESSAGE for non-objects and a missing type', () => {
    for (const raw of ['[]', 'null', '42', '"hello"', '{}', '{"type":7}']) {
      expect(parseClientMessage(raw, opts)).toMatchObject({ ok: false, code: 'BAD_MESSAGE' })
    }
  })

  it('BAD_MESSAGE names the first failing path and carries the opId', () => {
    const r = parseClientMessage(JSON.stringify({ ...status, changes: { state: 'dancing' } }), opts)
    expect(r).toMatchObject({ ok: false, code: 'BAD_MESSAGE', opId: OP })
    expect(!r.ok && r.message).toMatch(/^\/changes\/state: /)
    const wrongType = parseClientMessage(JSON.stringify({ ...status, at: 'yesterday' }), opts)
    expect(!wrongType.ok && wrongType.message).toMatch(/^\/at: /)
  })

  it('rejects unknown fields, at the top and nested', () => {
    const top = parseClientMessage(JSON.stringify({ ...status, extra: 1 }), opts)
    expect(top).toMatchObject({ ok: false, code: 'BAD_MESSAGE', message: '/: unknown field "extra"' })
    const nested = parseClientMessage(JSON.stringify({ ...status, changes: { state: 'active', zz: 1 } }), opts)
    expect(nested).toMatchObject({ ok: false, code: 'BAD_MESSAGE', message: '/changes: unknown field "zz"' })
  })

  it('rejects __proto__ keys anywhere, but not the text "__proto__" in a value', () => {
    const top = '{"type":"ping","t":1,"__proto__":{"polluted":true}}'
    expect(parseClientMessage(top, opts)).toMatchObject({ ok: false, code: 'BAD_MESSAGE' })
    const nested = JSON.stringify(status).replace('"changes":{', '"changes":{"__proto__":{"state":"end"},')
    expect(parseClientMessage(nested, opts)).toMatchObject({ ok: false, code: 'BAD_MESSAGE' })
    const escaped = '{"type":"ping","t":1,"__pro\\u0074o__":{"polluted":true}}'
    expect(parseClientMessage(escaped, opts)).toMatchObject({ ok: false, code: 'BAD_MESSAGE', message: '__proto__ is not an allowed key' })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    const text = { type: 'whisper.send', opId: OP, engagementId: 'e1', text: 'see "__proto__"' }
    expect(parseClientMessage(JSON.stringify(text), opts).ok).toBe(true)
  })

  it('rejects NUL in any string or key (Postgres cannot store it), and accepts other escapes', () => {
    const inId = '{"type":"subscribe","engagementId":"a\\u0000b"}'
    expect(parseClientMessage(inId, opts)).toMatchObject({ ok: false, code: 'BAD_MESSAGE' })
    const inText = JSON.stringify({ type: 'whisper.send', opId: OP, engagementId: 'e1', text: 'x\u0000y' })
    expect(parseClientMessage(inText, opts)).toMatchObject({ ok: false, code: 'BAD_MESSAGE', opId: OP })
    const tab = JSON.stringify({ type: 'whisper.send', opId: OP, engagementId: 'e1', text: 'a\tb \u00e9' })
    expect(parseClientMessage(tab, opts).ok).toBe(true)
  })

  it('rejects deep nesting before parsing it', () => {
    const deep = `{"type":"ping","t":1,"x":${'['.repeat(5000)}${']'.repeat(5000)}}`
    expect(parseClientMessage(deep, opts)).toMatchObject({ ok: false, code: 'BAD_MESSAGE' })
    expect(exceedsDepth('{"a":"[[[[[[[[[[[[[[[[[[[[[[\\"[[["}', 3)).toBe(false)
    expect(exceedsDepth('[[[[', 3)).toBe(true)
  })

  it('FRAME_TOO_LARGE by bytes, not characters', () => {
    const big = JSON.stringify({ ...status, engagementId: 'x'.repeat(200) })
    expect(parseClientMessage(big, { maxBytes: 100 })).toMatchObject({ ok: false, code: 'FRAME_TOO_LARGE' })
    expect(parseClientMessage(new TextEncoder().encode(big), { maxBytes: 100 })).toMatchObject({ ok: false, code: 'FRAME_TOO_LARGE' })
    // 40 three-byte characters: 40 chars but 120 bytes.
    const wide = JSON.stringify({ type: 'whisper.send', opId: OP, engagementId: 'e1', text: '€'.repeat(40) })
    const limit = wide.length + 10
    expect(parseClientMessage(wide, { maxBytes: limit })).toMatchObject({ ok: false, code: 'FRAME_TOO_LARGE' })
    expect(parseClientMessage(wide, { maxBytes: limit + 80 }).ok).toBe(true)
  })

  it('BINARY_NOT_SUPPORTED for binary frames', () => {
    const bytes = new TextEncoder().encode(JSON.stringify(status))
    expect(parseClientMessage(bytes, { ...opts, isBinary: true })).toMatchObject({ ok: false, code: 'BINARY_NOT_SUPPORTED' })
  })
})

const engagement = {
  id: 'e1', agentId: 'u1', state: 'active', channel: 'voice', source: null, queueId: null, queueName: null,
  isConference: false, isTransfer: false, transfer: null, consumers: [{ consumerDisplayName: 'Ann' }], variables: {},
  startedAt: 1, acceptedAt: 1, stateSince: 1, wrapupStartedAt: null, endedAt: null, handleMs: null, wrapupMs: null,
  help: null, notesPreview: '', lastSeq: 3, updatedAt: 1,
}

describe('parseServerMessage (tolerant, client side)', () => {
  it('parses known messages', () => {
    const ack = { type: 'ack', opId: OP, engagementId: 'e1', seq: 4 }
    expect(parseServerMessage(JSON.stringify(ack))).toEqual(ack)
    expect(parseServerMessage({ type: 'engagement.changed', engagement })).toMatchObject({ type: 'engagement.changed' })
  })

  it('ignores unknown fields, also inside objects the server schemas declare strict', () => {
    const msg = { type: 'engagement.changed', engagement: { ...engagement, mood: 'calm', consumers: [{ consumerId: 'c', vip: true }] }, newField: 1 }
    expect(parseServerMessage(JSON.stringify(msg))).toMatchObject({ type: 'engagement.changed' })
  })

  it('skips unknown types and malformed frames with null, never throwing', () => {
    for (const raw of ['{"type":"future.thing"}', '{"type":"__proto__"}', 'not json', '[]', 'null', '{"type":"ack"}', '{}', 42, null, new Uint8Array([1])]) {
      expect(parseServerMessage(raw)).toBeNull()
    }
  })

  it('rejects a known type whose required fields are missing, for every type', () => {
    for (const type of Object.keys(serverMessageSchemas)) expect(parseServerMessage({ type })).toBeNull()
    expect(parseServerMessage({ type: 'pong', t: 1, serverTime: 2 })).toEqual({ type: 'pong', t: 1, serverTime: 2 })
  })
})
