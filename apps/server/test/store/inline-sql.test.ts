import { describe, expect, it } from 'vitest'
import pg from 'pg'
import { inlineParams, quoteLiteral } from '../../src/store/inline-sql.ts'

describe('inlineParams', () => {
  it('writes every parameter as a quoted literal and leaves string constants alone', () => {
    expect(inlineParams(`select $1::jsonb, '$2', "a$2", $2, $3, $4, $5`, [`{"a":"it's"}`, 5, null, true, 'x'])).toBe(
      `select '{"a":"it''s"}'::jsonb, '$2', "a$2", '5', NULL, 'true', 'x'`)
  })

  it('escapes backslashes in an E literal and writes bytes as bytea hex', () => {
    expect(inlineParams('select $1, $2', ['a\\b\'c', new Uint8Array([0, 255, 16])])).toBe(`select  E'a\\\\b''c',  E'\\\\x00ff10'`)
  })

  it('quotes exactly as node-postgres escapeLiteral does', () => {
    for (const v of ['', 'plain', "it's", "''", '\\', 'a\\b', "\\'x\\'", 'é ✓ \n\t', '{"u":"\\u0041\\\\"}', "'\\"]) {
      expect(quoteLiteral(v)).toBe(pg.escapeLiteral(v))
    }
  })

  it('gives up on values it cannot write and on missing parameters', () => {
    expect(inlineParams('select $1', [{ a: 1 }])).toBeNull()
    expect(inlineParams('select $2', ['a'])).toBeNull()
    expect(inlineParams('select $1', [Number.NaN])).toBeNull()
    // A NUL would end the query text on the wire.
    expect(inlineParams('select $1', ['a\0b'])).toBeNull()
  })
})
