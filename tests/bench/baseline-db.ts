/**
 * Baseline (b), the durability limit: the database alone inserting the same rows at the same
 * concurrency, one row per transaction (autocommit), into tables of the same shape as
 * `engagement_events` (the real migrations applied to a scratch schema).
 */
import { randomBytes } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { v7 as uuidv7 } from 'uuid'
import { Samples, type Summary } from './hist.ts'
import { CpuMeter } from './proc.ts'

const MIGRATIONS_DIR = fileURLToPath(new URL('../../apps/server/migrations/', import.meta.url))

export interface DbBaselineResult {
  writers: number
  connections: number
  seconds: number
  rows: number
  rowsPerSecond: number
  rowBytes: number
  commitLatencyMs: Summary
  postgresCpuPct: number
  generatorCpuPct: number
  machineCpuPct: number
}

export async function runDbBaseline(opts: {
  url: string
  writers: number
  seconds: number
  rowBytes: number
  maxConnections?: number
}): Promise<DbBaselineResult> {
  const schema = `bench_baseline_${randomBytes(4).toString('hex')}`
  const connections = Math.min(opts.writers, opts.maxConnections ?? 64)
  const setup = new pg.Client({ connectionString: opts.url })
  await setup.connect()
  const pool = new pg.Pool({ connectionString: opts.url, max: connections, options: `-c search_path=${schema}` })
  try {
    await setup.query(`create schema ${schema}`)
    await setup.query(`set search_path to ${schema}`)
    for (const file of readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).sort()) {
      await setup.query(readFileSync(MIGRATIONS_DIR + file, 'utf8'))
    }
    await setup.query(`insert into accounts (id) values ('acc-baseline')`)
    await setup.query(
      `insert into engagements (account_id, id, agent_id)
       select 'acc-baseline', 'eng-' || i, 'agent-' || i from generate_series(0, $1::int - 1) as i`,
      [opts.writers],
    )
    // Open every pooled connection before the clock starts.
    await Promise.all(Array.from({ length: connections }, () => pool.query('select 1')))

    const latency = new Samples()
    const payload = randomBytes(opts.rowBytes)
    let rows = 0
    // Flipped by the timer below; the writers' loops poll it between inserts.
    const run = { stop: false }
    const meter = new CpuMeter([])
    const t0 = performance.now()
    const writer = async (i: number) => {
      let seq = 0
      while (!run.stop) {
        seq++
        const t = performance.now()
        await pool.query(
          `insert into engagement_events (account_id, engagement_id, seq, kind, actor_id, op_id, data, doc_update)
           values ('acc-baseline', $1, $2, 'doc', $3, $4, '{}'::jsonb, $5)`,
          [`eng-${i}`, seq, `agent-${i}`, uuidv7(), payload],
        )
        latency.add(performance.now() - t)
        rows++
      }
    }
    const timer = setTimeout(() => { run.stop = true }, opts.seconds * 1000)
    await Promise.all(Array.from({ length: opts.writers }, (_, i) => writer(i)))
    clearTimeout(timer)
    const elapsed = (performance.now() - t0) / 1000
    const cpu = meter.read()
    return {
      writers: opts.writers,
      connections,
      seconds: Math.round(elapsed * 10) / 10,
      rows,
      rowsPerSecond: Math.round(rows / elapsed),
      rowBytes: opts.rowBytes,
      commitLatencyMs: latency.summary(),
      postgresCpuPct: cpu.postgresPct,
      generatorCpuPct: cpu.generatorPct,
      machineCpuPct: cpu.machinePct,
    }
  } finally {
    await pool.end().catch(() => {})
    await setup.query(`drop schema if exists ${schema} cascade`).catch(() => {})
    await setup.end().catch(() => {})
  }
}
