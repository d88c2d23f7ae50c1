/**
 * Process entry: load config, open the store, migrate, listen; on SIGTERM/SIGINT stop accepting,
 * tell sockets we are going away, drain, close the database and exit 0 (1 if the drain budget
 * runs out). Startup problems an operator can fix print one line naming the cause and exit 1.
 */
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.ts'
import { ConfigError, loadConfig, type Config } from './config.ts'
import { createLogger, type Logger } from './logger.ts'
import { ensureSessionSecret, ensureWebhookSecret } from './secrets.ts'
import { ClusterSecretMismatch } from './store/cluster.ts'
import { StoreUnavailable } from './store/errors.ts'
import { migrate, openStore, type Store } from './store/index.ts'

function fail(line: string): never {
  process.stderr.write(`switchboard: ${line}\n`)
  process.exit(1)
}

/** A short cause without stack or connection string (pg errors never include the password). */
function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describeError(error.errors[0])
  // The store's wrapper around the driver's error: the driver's says what happened.
  if (error instanceof StoreUnavailable && error.cause !== undefined) return describeError(error.cause)
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code
    const message = error.message.split('\n')[0] ?? ''
    if (message === '') return code ?? error.name
    return code !== undefined && !message.includes(code) ? `${message} (${code})` : message
  }
  return String(error)
}

async function openDatabase(config: Config, logger: Logger): Promise<Store> {
  const variable = config.databaseUrl === undefined ? 'DATA_DIR' : 'DATABASE_URL'
  let store: Store
  try {
    store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger })
    await store.ping()
  } catch (error) {
    fail(`${variable}: cannot open the database: ${describeError(error)}`)
  }
  try {
    const applied = await migrate(store, logger)
    logger.info({ applied: applied.map((m) => m.name), store: store.kind }, 'database ready')
  } catch (error) {
    await store.close().catch(() => {})
    fail(`migration failed: ${describeError(error)}`)
  }
  if (store.kind === 'pg') await warnIfNoAutovacuum(store, logger)
  return store
}

async function warnIfNoAutovacuum(store: Store, logger: Logger): Promise<void> {
  try {
    const av = await store.query<{ v: string }>(`select current_setting('autovacuum') as v`)
    if (av.rows[0]?.v !== 'off') return
    logger.warn('autovacuum is off on this Postgres: dead rows of notes_docs are never reclaimed and the planner never gets table statistics; turn it on (docs/architecture.md, "Database upkeep")')
  } catch (err) {
    logger.warn({ err }, 'could not read the autovacuum setting')
  }
}

async function main(): Promise<void> {
  let loaded: Config
  try {
    loaded = loadConfig(process.env)
  } catch (error) {
    if (error instanceof ConfigError) fail(`invalid configuration: ${error.message}`)
    throw error
  }
  const logger = createLogger(loaded)
  let config: Config
  try {
    config = await ensureWebhookSecret(await ensureSessionSecret(loaded))
  } catch (error) {
    fail(`DATA_DIR: cannot store a generated development secret: ${describeError(error)}`)
  }
  const store = await openDatabase(config, logger)
  let app: Awaited<ReturnType<typeof buildApp>>
  try {
    app = await buildApp({ config, store, logger })
  } catch (error) {
    await store.close().catch(() => {})
    // Another node on this database signs sessions with another SESSION_SECRET.
    if (error instanceof ClusterSecretMismatch) fail(error.message)
    throw error
  }

  closeWithGrace(
    {
      delay: config.shutdownTimeoutMs,
      logger: {
        error: (msg: unknown) => (msg instanceof Error ? logger.error({ err: msg }, 'shutdown failed') : logger.error(String(msg))),
      },
    },
    async ({ signal, err }) => {
      if (err) logger.error({ err }, 'fatal error: shutting down')
      else logger.info({ signal }, 'shutting down')
      await app.close()
      await store.close()
      logger.info('stopped')
    },
  )

  try {
    await app.listen({ port: config.port, host: config.host })
  } catch (error) {
    await app.close().catch(() => {})
    await store.close().catch(() => {})
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE') fail(`PORT: ${config.port} is already in use on ${config.host}`)
    if (code === 'EACCES') fail(`PORT: not allowed to listen on ${config.port}`)
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') fail(`HOST: cannot listen on ${config.host}`)
    fail(`cannot listen: ${describeError(error)}`)
  }
  logger.info(
    { publicUrl: config.publicUrl, authMode: config.authMode, store: store.kind, node: config.nodeId },
    config.devSignIn
      ? `Switchboard is up at ${config.publicUrl} (dev sign-in on; Zoom client emulator at ${config.publicUrl}/simulator.html)`
      : `Switchboard is up at ${config.publicUrl}`,
  )
}

main().catch((error: unknown) => fail(`failed to start: ${describeError(error)}`))
