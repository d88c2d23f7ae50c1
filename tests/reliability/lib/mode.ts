/**
 * Short (CI) or long (dev) runs, and where each scenario writes its figures.
 * Long runs: `RELIABILITY_LONG=1` (or `npm run reliability -- --long`). A scenario's seed can be
 * pinned with `RELIABILITY_SEED` so a failure reproduces.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const flag = (v: string | undefined) => v !== undefined && v !== '' && v !== '0' && v !== 'false'

export const LONG = flag(process.env['RELIABILITY_LONG'])
export const SEED = Number(process.env['RELIABILITY_SEED'] ?? '') || (Date.now() % 1_000_000)

/** `short` in CI, `long` with RELIABILITY_LONG=1. */
export function pick<T>(short: T, long: T): T {
  return LONG ? long : short
}

export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url))

/** Writes `results/<scenario>.json` (kept out of git) and prints a one-line summary. */
export function record(scenario: string, data: Record<string, unknown>): void {
  mkdirSync(RESULTS_DIR, { recursive: true })
  const body = { scenario, mode: LONG ? 'long' : 'short', seed: SEED, date: new Date().toISOString(), ...data }
  writeFileSync(join(RESULTS_DIR, `${scenario}.json`), `${JSON.stringify(body, null, 2)}\n`)
  process.stderr.write(`[reliability] ${scenario} (${body.mode}, seed ${SEED}): ${JSON.stringify(data).slice(0, 1500)}\n`)
}

export function log(line: string): void {
  process.stderr.write(`[reliability ${new Date().toISOString().slice(11, 19)}] ${line}\n`)
}
