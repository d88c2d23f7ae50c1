/**
 * The one migration runner (start, tests, CI): applies `apps/server/migrations/NNNN_name.sql`
 * in order, each in its own transaction, recorded in `schema_migrations`. Each transaction
 * first takes an advisory lock and re-checks, so two nodes starting together do not race.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Db, Logger, Store } from './port.ts'

/** Arbitrary constant key for `pg_advisory_xact_lock` ("sbmigr" in ASCII). */
const LOCK_KEY = 0x73626d69677200n.toString()

export interface Migration {
  version: number
  name: string
  file: string
}

export interface MigrateOptions {
  logger?: Logger
  migrationsDir?: string
}

/**
 * Finds `migrations/` from this module: `src/store/` in source, `dist/` when bundled into
 * `apps/server/dist/server.js`. `SB_MIGRATIONS_DIR` overrides both.
 */
export function defaultMigrationsDir(): string {
  const env = process.env['SB_MIGRATIONS_DIR']
  if (env) return resolve(env)
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [join(here, '../../migrations'), join(here, '../migrations'), join(here, 'migrations')]
  for (const dir of candidates) if (existsSync(dir)) return dir
  throw new Error(`migrations directory not found (looked in ${candidates.join(', ')})`)
}

export function listMigrations(dir = defaultMigrationsDir()): Migration[] {
  const out: Migration[] = []
  for (const file of readdirSync(dir)) {
    const m = /^(\d+)_([\w-]+)\.sql$/.exec(file)
    if (!m) continue
    out.push({ version: Number(m[1]), name: file, file: join(dir, file) })
  }
  out.sort((a, b) => a.version - b.version)
  for (let i = 1; i < out.length; i++) {
    if (out[i]!.version === out[i - 1]!.version) throw new Error(`duplicate migration version ${out[i]!.version}`)
  }
  return out
}

async function ensureTable(store: Store): Promise<void> {
  await store.transaction(async (tx) => {
    await lock(tx)
    await tx.query(`create table if not exists schema_migrations (
      version     integer primary key,
      name        text not null,
      applied_at  timestamptz not null default now()
    )`)
  })
}

async function lock(tx: Db): Promise<void> {
  await tx.query('select pg_advisory_xact_lock($1::bigint)', [LOCK_KEY])
}

async function applied(db: Db): Promise<Set<number>> {
  const exists = await db.query<{ t: string | null }>(`select to_regclass('schema_migrations')::text as t`)
  if (!exists.rows[0]?.t) return new Set()
  const res = await db.query<{ version: number }>('select version from schema_migrations')
  return new Set(res.rows.map((r) => Number(r.version)))
}

/** Migrations on disk that the database has not applied (used by `/readyz`). */
export async function pendingMigrations(store: Db, opts: { migrationsDir?: string } = {}): Promise<Migration[]> {
  const done = await applied(store)
  return listMigrations(opts.migrationsDir).filter((m) => !done.has(m.version))
}

/** Applies pending migrations; returns the ones this call applied. */
export async function migrate(store: Store, optsOrLogger?: MigrateOptions | Logger): Promise<Migration[]> {
  const opts: MigrateOptions = optsOrLogger && 'info' in optsOrLogger ? { logger: optsOrLogger } : (optsOrLogger ?? {})
  const all = listMigrations(opts.migrationsDir)
  await ensureTable(store)
  const ran: Migration[] = []
  for (const m of all) {
    const sql = readFileSync(m.file, 'utf8')
    const did = await store.transaction(async (tx) => {
      await lock(tx)
      const hit = await tx.query('select 1 from schema_migrations where version = $1', [m.version])
      if (hit.rowCount > 0) return false
      await tx.query(sql)
      await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [m.version, m.name])
      return true
    })
    if (did) {
      ran.push(m)
      opts.logger?.info({ migration: m.name }, 'migration applied')
    }
  }
  return ran
}
