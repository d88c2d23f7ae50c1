import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { clientMessageSchemas } from '../src/client-messages.ts'
import { serverMessageSchemas } from '../src/server-messages.ts'
import { restSchemas } from '../src/rest.ts'
import { CLOSE, ERRORS, TERMINAL_CLOSE_CODES } from '../src/errors.ts'
import { PROTOCOL_VERSION, SCHEMA_HASH } from '../src/version.ts'

/** JSON with object keys sorted at every level, so the hash depends on content only. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

function wireContract(): unknown {
  return {
    client: clientMessageSchemas,
    server: serverMessageSchemas,
    rest: restSchemas,
    // Codes and statuses are contract; the human messages are not.
    errors: Object.fromEntries(Object.entries(ERRORS).map(([code, e]) => [code, e.status])),
    close: CLOSE,
    terminalClose: TERMINAL_CLOSE_CODES,
  }
}

describe('protocol version', () => {
  it('the schemas hash to the value recorded beside PROTOCOL_VERSION', () => {
    const hash = createHash('sha256').update(canonical(wireContract())).digest('hex').slice(0, 16)
    expect(
      hash,
      `The wire contract changed. Bump PROTOCOL_VERSION (now ${PROTOCOL_VERSION}) in ` +
        `packages/protocol/src/version.ts, add a one-line history entry, and set SCHEMA_HASH = '${hash}'.`,
    ).toBe(SCHEMA_HASH)
  })

  it('canonical JSON ignores key order', () => {
    expect(canonical({ b: 1, a: [{ d: 2, c: 3 }] })).toBe(canonical({ a: [{ c: 3, d: 2 }], b: 1 }))
    expect(canonical({ a: 1 })).not.toBe(canonical({ a: 2 }))
  })
})
