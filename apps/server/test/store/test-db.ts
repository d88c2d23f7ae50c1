/**
 * A fresh Postgres database per test file (127.0.0.1:5432, user postgres, trust auth),
 * dropped afterwards. `PG_TEST_URL` overrides the server URL.
 */
import { createThrowawayDb, PG_ADMIN_URL, type ThrowawayDb } from '../../../../tests/support/pg.ts'
import type { Logger } from '../../src/store/port.ts'

export type TestDatabase = ThrowawayDb

export function createTestDatabase(): Promise<TestDatabase> {
  return createThrowawayDb('sb_test', process.env['PG_TEST_URL'] ?? PG_ADMIN_URL)
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} }
