#!/usr/bin/env node
/**
 * Backup and restore of the embedded database (no DATABASE_URL; Postgres deployments use
 * pg_dump, docs/operations.md).
 *
 *   npm run backup [-- --out DIR]                 a consistent copy of DATA_DIR into DIR/switchboard-<time>/
 *   npm run backup -- --restore BACKUP [--force]  restores BACKUP into DATA_DIR (server stopped; DATA_DIR empty)
 *   --data-dir DIR overrides DATA_DIR (default ./.data).
 *
 * While the server runs, PGlite's files belong to it (one process, one connection): the copy is
 * taken inside the server, between statements (`GET /api/backup` with the token it writes to
 * DATA_DIR/backup-endpoint.json). When no server runs, the script opens the database itself.
 * A backup is a directory: `pglite.tar.gz` (the database), the other files of DATA_DIR (the
 * generated session secret), and `manifest.json`.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

const ENDPOINT_FILE = 'backup-endpoint.json'
const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' }, out: { type: 'string' }, restore: { type: 'string' }, force: { type: 'boolean' },
  },
})
const dataDir = resolve(values['data-dir'] ?? (process.env['DATA_DIR'] || './.data'))
const log = (/** @type {string} */ line) => process.stdout.write(`backup: ${line}\n`)
/** @param {string} line @returns {never} */
const fail = (line) => {
  process.stderr.write(`backup: ${line}\n`)
  process.exit(1)
}

if (process.env['DATABASE_URL'] && !values['data-dir']) {
  fail('DATABASE_URL is set: this deployment keeps its data in Postgres. Back it up with pg_dump (docs/operations.md, "Backups").')
}

/** @param {number} pid */
function alive(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return /** @type {NodeJS.ErrnoException} */ (err).code === 'EPERM'
  }
}

/** The running server's endpoint, or null when no server holds this DATA_DIR. */
function runningServer() {
  const file = join(dataDir, ENDPOINT_FILE)
  if (!existsSync(file)) return null
  const endpoint = /** @type {{ url: string, token: string, pid: number }} */ (JSON.parse(readFileSync(file, 'utf8')))
  return alive(endpoint.pid) ? endpoint : null
}

/** The other files of DATA_DIR (the generated session secret…), not the database nor runtime files. */
function extraFiles(/** @type {string} */ dir) {
  return readdirSync(dir).filter((f) => f !== 'pglite' && f !== ENDPOINT_FILE && statSync(join(dir, f)).isFile())
}

async function backup() {
  if (!existsSync(join(dataDir, 'pglite'))) fail(`no embedded database in ${dataDir} (set DATA_DIR or --data-dir)`)
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const target = resolve(values.out ?? 'backups', `switchboard-${stamp}`)
  mkdirSync(target, { recursive: true })
  const server = runningServer()
  /** @type {Buffer} */
  let tarball
  if (server) {
    const res = await fetch(server.url, { headers: { authorization: `Bearer ${server.token}` } }).catch((/** @type {Error} */ err) => {
      fail(`the server (pid ${server.pid}) holds ${dataDir} but did not answer at ${server.url}: ${err.message}. Never copy its files while it runs.`)
    })
    if (!res.ok) fail(`the server answered ${res.status}: ${await res.text()}`)
    tarball = Buffer.from(await res.arrayBuffer())
    log(`copy taken by the running server (pid ${server.pid})`)
  } else {
    const { PGlite } = await import('@electric-sql/pglite')
    const db = await PGlite.create({ dataDir: join(dataDir, 'pglite') })
    try {
      tarball = Buffer.from(await (await db.dumpDataDir('gzip')).arrayBuffer())
    } finally {
      await db.close()
    }
    log('no server running: copy taken from the database files directly')
  }
  writeFileSync(join(target, 'pglite.tar.gz'), tarball, { mode: 0o600 })
  const files = extraFiles(dataDir)
  for (const f of files) copyFileSync(join(dataDir, f), join(target, f))
  writeFileSync(join(target, 'manifest.json'), `${JSON.stringify({
    createdAt: new Date().toISOString(), dataDir, source: server ? 'running-server' : 'offline', database: 'pglite.tar.gz', bytes: tarball.length, files,
  }, null, 2)}\n`)
  log(`wrote ${target} (database ${(tarball.length / 1024).toFixed(0)} KiB${files.length ? `, ${files.join(', ')}` : ''})`)
}

async function restore(/** @type {string} */ from) {
  const source = resolve(from)
  if (!existsSync(join(source, 'pglite.tar.gz'))) fail(`${source} is not a backup (no pglite.tar.gz)`)
  if (runningServer()) fail(`a server is running on ${dataDir}: stop it first`)
  const dbDir = join(dataDir, 'pglite')
  if (existsSync(dbDir) && readdirSync(dbDir).length > 0) {
    if (!values.force) fail(`${dbDir} is not empty: restore into an empty DATA_DIR, or pass --force to replace it`)
    rmSync(dbDir, { recursive: true, force: true })
  }
  mkdirSync(dbDir, { recursive: true })
  const { PGlite } = await import('@electric-sql/pglite')
  const blob = new Blob([readFileSync(join(source, 'pglite.tar.gz'))])
  const db = await PGlite.create({ dataDir: dbDir, loadDataDir: blob })
  try {
    const res = await db.query('select count(*)::int as n from schema_migrations')
    log(`database restored: ${/** @type {{ n: number }} */ (res.rows[0]).n} migrations applied`)
  } finally {
    await db.close()
  }
  const secrets = extraFiles(source).filter((name) => name !== 'pglite.tar.gz' && name !== 'manifest.json')
  for (const f of secrets) copyFileSync(join(source, f), join(dataDir, f))
  log(`restored ${source} into ${dataDir}`)
}

await (values.restore ? restore(values.restore) : backup())
