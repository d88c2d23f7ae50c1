import { describe, expect, it } from 'vitest'
import { isUnavailable } from '../../src/ws/writer.ts'

describe('isUnavailable', () => {
  it('is true for lost connections: class 08/57 Postgres errors, socket errors, a closed pool', () => {
    expect(isUnavailable({ severity: 'FATAL', code: '57P01', message: 'terminating connection due to administrator command' })).toBe(true)
    expect(isUnavailable({ severity: 'ERROR', code: '08006', message: 'connection failure' })).toBe(true)
    expect(isUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true)
    expect(isUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true)
    expect(isUnavailable(new Error('Query read timeout'))).toBe(true)
  })

  it('is false for our own bugs and for SQL errors, so the node is not marked down', () => {
    expect(isUnavailable(new Error('hot doc missing inside batch'))).toBe(false)
    expect(isUnavailable(new TypeError("Cannot read properties of undefined (reading 'seq')"))).toBe(false)
    expect(isUnavailable({ severity: 'ERROR', code: '23505', message: 'duplicate key value' })).toBe(false)
    expect(isUnavailable(undefined)).toBe(false)
  })
})
