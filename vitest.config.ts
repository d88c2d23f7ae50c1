/**
 * Test tiers by file name (see STYLE.md):
 *   unit     `*.test.ts` in packages/, apps/server/ and tests/bench/ — no database server (PGlite is in-process)
 *   web      `*.test.ts` in apps/web/ — compiled with the Svelte plugin so `.svelte.ts` runes work
 *   pg       `*.pg.test.ts` outside tests/ — real Postgres at 127.0.0.1:5432, a fresh database per file
 *   process  `tests/**` — whole server processes (several nodes, fault injection)
 *   browser  `tests/browser/**`, `tests/e2e/**`, `*.browser.test.ts` — real Chromium driven by playwright-core
 * Outside CI, tiers whose prerequisite is missing (Postgres, Chromium) are skipped with a message;
 * in CI (CI=true) every tier runs, so a missing prerequisite fails loudly.
 */
import { existsSync } from 'node:fs'
import { connect } from 'node:net'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { defineConfig } from 'vitest/config'

const CI = process.env['CI'] !== undefined && process.env['CI'] !== '' && process.env['CI'] !== 'false'
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
const PG_HOST = '127.0.0.1'
const PG_PORT = 5432

function reachable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

const havePostgres = CI || (await reachable(PG_HOST, PG_PORT))
const haveChromium = CI || existsSync(CHROMIUM)
if (!havePostgres) {
  process.stderr.write(`[tests] Postgres is not reachable at ${PG_HOST}:${PG_PORT}: skipping *.pg.test.ts (they always run in CI; bash .ci/run starts it).\n`)
}
if (!haveChromium) {
  process.stderr.write(`[tests] No Chromium at ${CHROMIUM} (set CHROMIUM_PATH): skipping tests/browser/**, tests/e2e/** and *.browser.test.ts (they always run in CI; apt-get install chromium).\n`)
}

const ALWAYS_EXCLUDED = ['**/node_modules/**', '**/dist/**']
const PG_FILES = '**/*.pg.test.ts'
const BROWSER_FILES = ['tests/browser/**/*.test.ts', 'tests/e2e/**/*.test.ts', '**/*.browser.test.ts']

export default defineConfig({
  test: {
    env: { CHROMIUM_PATH: CHROMIUM },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/**/*.test.ts', 'apps/server/**/*.test.ts', 'tests/bench/**/*.test.ts'],
          exclude: [...ALWAYS_EXCLUDED, PG_FILES, '**/*.browser.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
      {
        plugins: [svelte({ configFile: false })],
        test: {
          name: 'web',
          include: ['apps/web/**/*.test.ts'],
          exclude: [...ALWAYS_EXCLUDED, PG_FILES],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      ...(havePostgres ? [{
        test: {
          name: 'pg',
          include: [PG_FILES],
          exclude: [...ALWAYS_EXCLUDED, 'tests/**'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // Each file makes its own database; two at a time keeps Postgres and 2 cores responsive.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      }] : []),
      {
        test: {
          name: 'process',
          include: ['tests/**/*.test.ts'],
          exclude: [...ALWAYS_EXCLUDED, 'tests/browser/**', 'tests/e2e/**', '**/*.browser.test.ts', 'tests/bench/**', ...(havePostgres ? [] : [PG_FILES])],
          environment: 'node',
          testTimeout: 90_000,
          hookTimeout: 120_000,
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
        },
      },
      ...(haveChromium ? [{
        test: {
          name: 'browser',
          include: BROWSER_FILES,
          exclude: [...ALWAYS_EXCLUDED, ...(havePostgres ? [] : [PG_FILES])],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          maxWorkers: 1,
          sequence: { groupOrder: 3 },
        },
      }] : []),
    ],
  },
})
