import { describe, expect, it } from 'vitest'
import { dataException, isDataException, isUnavailable, sqlstate, StoreUnavailable } from '../../src/store/errors.ts'

describe('isUnavailable: by SQLSTATE and error codes, never by a message', () => {
  it('is true for lost connections: class 08/57 Postgres errors, socket errors, the store\'s StoreUnavailable', () => {
    expect(isUnavailable({ severity: 'FATAL', code: '57P01', message: 'terminating connection due to administrator command' })).toBe(true)
    expect(isUnavailable({ severity: 'ERROR', code: '08006', message: 'connection failure' })).toBe(true)
    expect(isUnavailable({ severity: 'ERROR', code: '57014', message: 'canceling statement due to statement timeout' })).toBe(true)
    expect(isUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true)
    expect(isUnavailable(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))).toBe(true)
    expect(isUnavailable(new StoreUnavailable(new Error('Connection terminated unexpectedly')))).toBe(true)
    expect(isUnavailable(new StoreUnavailable(new Error('timeout exceeded when trying to connect')))).toBe(true)
  })

  it('is false for our own bugs, SQL errors and messages that merely read like a lost connection', () => {
    expect(isUnavailable(new Error('hot doc missing inside batch'))).toBe(false)
    expect(isUnavailable(new TypeError("Cannot read properties of undefined (reading 'seq')"))).toBe(false)
    expect(isUnavailable({ severity: 'ERROR', code: '23505', message: 'duplicate key value' })).toBe(false)
    // The store raises StoreUnavailable for these; the text alone proves nothing.
    expect(isUnavailable(new Error('Connection terminated unexpectedly'))).toBe(false)
    expect(isUnavailable(new Error('the socket was closed by a timeout'))).toBe(false)
    // An errno-shaped SQLSTATE-looking code without a Postgres severity is not a SQLSTATE.
    expect(sqlstate(Object.assign(new Error('x'), { code: 'EPIPE' }))).toBeUndefined()
    expect(isUnavailable(undefined)).toBe(false)
  })

  it('data exceptions (class 22) are the value\'s fault, not the connection\'s', () => {
    const own = dataException('notes update does not apply')
    expect(isDataException(own)).toBe(true)
    expect(isDataException({ severity: 'ERROR', code: '22P05', message: 'unsupported Unicode escape sequence' })).toBe(true)
    expect(isUnavailable(own)).toBe(false)
    expect(isDataException(new Error('22000'))).toBe(false)
  })
})
