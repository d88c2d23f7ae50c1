/**
 * The process entry turns operator mistakes into one line on stderr and exit code 1 — no stack.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { REPO_ROOT, SERVER_ENTRY, TSX_ARGS } from './process.ts'

const dataDir = mkdtempSync(join(tmpdir(), 'sb-startup-'))
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

function start(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [...TSX_ARGS, SERVER_ENTRY], {
      cwd: REPO_ROOT,
      env: { PATH: process.env['PATH'] ?? '', DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env },
      encoding: 'utf8',
      timeout: 45_000,
    }, (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr: stderr.trim() }))
  })
}

function expectOneLine(stderr: string, variable: string) {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '' && !l.includes('ExperimentalWarning'))
  expect(lines).toHaveLength(1)
  expect(lines[0]).toContain(variable)
  expect(stderr).not.toMatch(/\n\s+at /)
}

describe('startup errors', { timeout: 60_000 }, () => {
  it('bad PORT', async () => {
    const r = await start({ PORT: 'eighty' })
    expect(r.code).toBe(1)
    expectOneLine(r.stderr, 'PORT')
  })

  it('malformed DATABASE_URL, without echoing it', async () => {
    const r = await start({ DATABASE_URL: 'postgres//user:hunter2@nowhere' })
    expect(r.code).toBe(1)
    expectOneLine(r.stderr, 'DATABASE_URL')
    expect(r.stderr).not.toContain('hunter2')
  })

  it('unreachable DATABASE_URL', async () => {
    const r = await start({ DATABASE_URL: 'postgres://postgres:hunter2@127.0.0.1:1/switchboard' })
    expect(r.code).toBe(1)
    expectOneLine(r.stderr, 'DATABASE_URL')
    expect(r.stderr).not.toContain('hunter2')
  })

  it('production without SESSION_SECRET', async () => {
    const r = await start({ APP_ENV: 'production', ZOOM_CLIENT_ID: 'id', ZOOM_CLIENT_SECRET: 'secret' })
    expect(r.code).toBe(1)
    expectOneLine(r.stderr, 'SESSION_SECRET')
  })

  it('dev sign-in in production', async () => {
    const r = await start({ APP_ENV: 'production', AUTH_MODE: 'dev', SESSION_SECRET: 'x'.repeat(40) })
    expect(r.code).toBe(1)
    expectOneLine(r.stderr, 'AUTH_MODE')
  })
})
