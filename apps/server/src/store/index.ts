import { openPgStore } from './pg.ts'
import { openPgliteStore } from './pglite.ts'
import type { Logger, Store } from './port.ts'

export type { Db, Lane, Listener, Tx, ListenHandlers, Logger, QueryResult, Store } from './port.ts'
export { migrate, pendingMigrations, defaultMigrationsDir } from './migrate.ts'

export interface OpenStoreOptions {
  /** Postgres URL; when unset the embedded PGlite store under `dataDir/pglite` is used. */
  databaseUrl?: string | undefined
  dataDir: string
  logger: Logger
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  if (opts.databaseUrl) return openPgStore({ connectionString: opts.databaseUrl, logger: opts.logger })
  return openPgliteStore({ dataDir: opts.dataDir, logger: opts.logger })
}
