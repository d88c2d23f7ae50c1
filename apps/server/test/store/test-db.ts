/**
 * A fresh Postgres database per test file (127.0.0.1:5432, user postgres, trust auth),
 * dropped afterwards. `PG_TEST_URL` overrides the server URL.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { Logger } from '../../src/store/port.ts'

const ADMIN_URL = process.env['PG_TEST_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export interface TestDatabase {
  url: string
  name: string
  drop(): Promise<void>
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `sb_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: ADMIN_URL })
  await admin.connect()
  try {
    await admin.query(`create database ${name}`)
  } finally {
    await admin.end()
  }
  const url = new URL(ADMIN_URL)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: ADMIN_URL })
      await c.connect()
      try {
        await c.query(`drop database if exists ${name} with (force)`)
      } finally {
        await c.end()
      }
    },
  }
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} }
