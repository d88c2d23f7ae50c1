/**
 * The real application (`buildApp`) in this process, listening on 127.0.0.1 with a real Postgres
 * store, for the access matrix: the route table can be read from it (`printRoutes`) and every
 * route and message exercised over real HTTP and WebSocket connections. A minimal built web app
 * (temp dir) keeps the page routes the same whether or not `apps/web/dist` exists.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../../apps/server/src/app.ts'
import { loadConfig } from '../../../apps/server/src/config.ts'
import { openStore } from '../../../apps/server/src/store/index.ts'
import { migrate } from '../../../apps/server/src/store/migrate.ts'
import type { Store } from '../../../apps/server/src/store/port.ts'
import { onCleanup } from '../../bench/cleanup.ts'
import type { RelDb } from './db.ts'

export interface InProcess {
  app: FastifyInstance
  store: Store
  url: string
  wsUrl: string
  secret: string
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} }

export async function startInProcess(db: RelDb, env: Record<string, string> = {}): Promise<InProcess> {
  const webRoot = mkdtempSync(join(tmpdir(), 'sb-rel-web-'))
  mkdirSync(join(webRoot, 'assets'))
  for (const page of ['index.html', 'supervisor.html', 'simulator.html']) writeFileSync(join(webRoot, page), `<!doctype html><title>${page}</title>`)
  writeFileSync(join(webRoot, 'assets', 'app-abc123.js'), 'export {}\n')
  const secret = 'reliability-secret-0123456789-abcdefghijklmnop'
  const config = loadConfig({
    PORT: '0', HOST: '127.0.0.1', AUTH_MODE: 'dev', SESSION_SECRET: secret, DATA_DIR: join(webRoot, 'data'),
    LOG_LEVEL: process.env['SB_REL_LOG'] ?? 'silent', DATABASE_URL: db.url, PUBLIC_URL: 'http://127.0.0.1:3999', BOARD_TICK_MS: '50', ...env,
  })
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger: quiet })
  await migrate(store)
  const app = await buildApp({ config, store, webRoot })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const addr = app.server.address()
  const port = typeof addr === 'object' && addr ? addr.port : 0
  onCleanup('close in-process app', async () => {
    await app.close()
    await store.close()
    rmSync(webRoot, { recursive: true, force: true })
  })
  return { app, store, url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/ws`, secret }
}

/** Every (method, path) the app serves, from `printRoutes({ commonPrefix: false })`. */
export function routeTable(app: FastifyInstance): Array<{ method: string; path: string }> {
  const out: Array<{ method: string; path: string }> = []
  const stack: string[] = []
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const at = line.indexOf('── ')
    if (at < 0) continue
    const depth = Math.floor(at / 4)
    const m = line.slice(at + 3).match(/^(.*?)(?: \(([^)]*)\))?$/)
    if (!m) continue
    const path = (depth > 0 ? stack[depth - 1] ?? '' : '') + m[1]
    stack[depth] = path
    stack.length = depth + 1
    for (const method of (m[2] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) out.push({ method, path })
  }
  return out
}
