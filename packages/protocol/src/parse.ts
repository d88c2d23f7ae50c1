/**
 * Parsing at the socket edge. The server parser is strict (every field checked, unknown fields
 * rejected, a coded error for each failure); the client parser is tolerant (unknown types are
 * skipped, unknown fields ignored) so an older client keeps working against a newer server.
 */
import { Compile, type Validator } from 'typebox/compile'
import { Check } from 'typebox/schema'
import type { TSchema } from 'typebox'
import { clientMessageSchemas, type ClientMessage } from './client-messages.ts'
import { serverMessageSchemas, type ServerMessage } from './server-messages.ts'
import type { ErrorCode } from './errors.ts'

/** Deeper than any client message; anything deeper is rejected before `JSON.parse`. */
export const MAX_CLIENT_DEPTH = 16

export type ParseResult =
  | { ok: true; message: ClientMessage }
  | { ok: false; code: ErrorCode; message: string; opId?: string }

export interface ParseOptions {
  maxBytes: number
  /** `ws` reports text vs binary per frame; binary frames are refused. */
  isBinary?: boolean
}

export type RawFrame = string | Uint8Array | ArrayBuffer | readonly Uint8Array[]

// Compiled on first use, so clients that only import the tolerant parser never compile (and
// never trip a strict CSP's ban on eval, which the compiler would try).
let clientValidators: Map<string, Validator> | undefined
function clientValidator(type: string): Validator | undefined {
  clientValidators ??= new Map<string, Validator>(
    Object.entries(clientMessageSchemas).map(([t, schema]) => [t, Compile(schema as TSchema)]),
  )
  return clientValidators.get(type)
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

const fail = (code: ErrorCode, message: string, opId?: string): ParseResult =>
  opId === undefined ? { ok: false, code, message } : { ok: false, code, message, opId }

/** Strict server-side parser. Never throws. */
export function parseClientMessage(raw: RawFrame, opts: ParseOptions): ParseResult {
  if (opts.isBinary === true) return fail('BINARY_NOT_SUPPORTED', 'binary frames are not accepted')
  let text: string
  if (typeof raw === 'string') {
    if (raw.length > opts.maxBytes || (raw.length * 3 > opts.maxBytes && utf8Length(raw) > opts.maxBytes)) {
      return fail('FRAME_TOO_LARGE', `frame exceeds ${opts.maxBytes} bytes`)
    }
    text = raw
  } else {
    const bytes = toBytes(raw)
    if (bytes.byteLength > opts.maxBytes) return fail('FRAME_TOO_LARGE', `frame exceeds ${opts.maxBytes} bytes`)
    try {
      text = utf8.decode(bytes)
    } catch {
      return fail('BAD_JSON', 'frame is not valid UTF-8')
    }
  }
  if (exceedsDepth(text, MAX_CLIENT_DEPTH)) return fail('BAD_MESSAGE', `nesting deeper than ${MAX_CLIENT_DEPTH}`)

  let value: unknown
  sawNul = false
  try {
    // The reviver costs a callback per value, so only frames that could spell the key pay for it
    // (directly, or through a \u escape, which JSON.stringify only emits for control characters).
    value = text.includes('__proto__') || text.includes('\\u') ? JSON.parse(text, checkKeysAndNul) : JSON.parse(text)
  } catch (err) {
    if (err instanceof ProtoKeyError) return fail('BAD_MESSAGE', '__proto__ is not an allowed key')
    return fail('BAD_JSON', 'frame is not valid JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('BAD_MESSAGE', '/: expected an object with a string "type"')
  }
  const record = value as Record<string, unknown>
  const opId = typeof record.opId === 'string' && record.opId.length <= 64 ? record.opId : undefined
  if (typeof record.type !== 'string') return fail('BAD_MESSAGE', '/type: expected a string', opId)
  if (sawNul) {
    sawNul = false
    return fail('BAD_MESSAGE', 'strings may not contain NUL (\\u0000)', opId)
  }
  const validator = clientValidator(record.type)
  if (validator === undefined) return fail('UNKNOWN_TYPE', `unknown type "${record.type.slice(0, 64)}"`, opId)
  if (!validator.Check(value)) return fail('BAD_MESSAGE', firstError(validator, value), opId)
  return { ok: true, message: value as ClientMessage }
}

/** One short line naming the first failing path, e.g. `/changes: unknown field "zz"`. */
function firstError(validator: Validator, value: unknown): string {
  const errors = validator.Errors(value)
  const extra = errors.find((e) => e.keyword === 'additionalProperties')
  const err = extra ?? errors[0]
  if (err === undefined) return '/: does not match the schema'
  const path = err.instancePath === '' ? '/' : err.instancePath
  if (err.keyword === 'additionalProperties') {
    const names = (err.params as { additionalProperties?: string[] }).additionalProperties ?? []
    return `${path}: unknown field ${names.map((n) => JSON.stringify(n)).join(', ')}`.slice(0, 200)
  }
  return `${path}: ${err.message}`.slice(0, 200)
}

class ProtoKeyError extends Error {}
/**
 * Postgres stores no NUL in text or jsonb, so no value may carry one (JSON can only spell it
 * \u0000). Noted during the parse and refused after it, so the error can still name the op.
 */
let sawNul = false

function checkKeysAndNul(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new ProtoKeyError()
  if (key.includes('\0') || (typeof value === 'string' && value.includes('\0'))) sawNul = true
  return value
}

function toBytes(raw: Uint8Array | ArrayBuffer | readonly Uint8Array[]): Uint8Array {
  if (raw instanceof Uint8Array) return raw
  if (raw instanceof ArrayBuffer) return new Uint8Array(raw)
  let length = 0
  for (const part of raw) length += part.byteLength
  const out = new Uint8Array(length)
  let offset = 0
  for (const part of raw) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}

function utf8Length(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff) { n += 4; i++ }
    else n += 3
  }
  return n
}

/** Bracket depth outside strings, with an early exit; linear and allocation-free. */
export function exceedsDepth(text: string, max: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++ // backslash: skip the escaped char
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true
    } else if (c === 0x7d || c === 0x5d) depth--
  }
  return false
}

// ---- tolerant client-side parser ----------------------------------------------------------------

/** A copy of a schema with every `additionalProperties: false` removed (unknown fields pass). */
function loosen(schema: TSchema): TSchema {
  return JSON.parse(JSON.stringify(schema), (key, value: unknown) =>
    key === 'additionalProperties' && value === false ? undefined : value) as TSchema
}

// The client side checks with TypeBox's interpreter: no code generation, so it runs under the
// app's strict Content-Security-Policy (no 'unsafe-eval').
const serverSchemas = new Map<string, TSchema>(
  Object.entries(serverMessageSchemas).map(([type, schema]) => [type, loosen(schema as TSchema)]),
)

/**
 * Tolerant client-side parser: `null` for anything it cannot use (malformed JSON, unknown type,
 * a known type that does not match). Unknown fields are kept but ignored. Never throws.
 */
export function parseServerMessage(raw: unknown): ServerMessage | null {
  let value: unknown = raw
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw)
    } catch {
      return null
    }
  } else if (raw instanceof Uint8Array || raw instanceof ArrayBuffer) {
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  const type = (value as { type?: unknown }).type
  if (typeof type !== 'string') return null
  const schema = serverSchemas.get(type)
  if (schema === undefined) return null
  try {
    return Check(schema, value) ? (value as ServerMessage) : null
  } catch {
    return null
  }
}
