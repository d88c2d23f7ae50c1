/** Switchboard server nodes as child processes on 127.0.0.1, each on its own free port. */
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { onCleanup } from './cleanup.ts'
import { startChild, waitFor, type Child } from './spawn.ts'
import { freePort } from '../support/net.ts'

export { freePort }

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const SRC_ENTRY = join(ROOT, 'apps/server/src/server.ts')
const DIST_ENTRY = join(ROOT, 'apps/server/dist/server.js')

export interface ServerNode {
  child: Child
  pid: number
  port: number
  url: string
  wsUrl: string
  nodeId: string
}

export interface ServerSet {
  nodes: ServerNode[]
  secret: string
  cpuProfDir: string | null
  entry: string
  stop(): Promise<void>
}


export async function startServers(opts: {
  count: number
  databaseUrl: string
  cpuProf: boolean
  dist: boolean
  extraEnv?: Record<string, string>
  /** directory for the servers' stdout/stderr (`server-<n>.log`) */
  logDir?: string
}): Promise<ServerSet> {
  const secret = randomBytes(32).toString('base64url')
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-bench-'))
  onCleanup('remove bench data dir', () => rmSync(dataDir, { recursive: true, force: true }))
  const cpuProfDir = opts.cpuProf ? join(dataDir, 'cpu-prof') : null
  if (opts.dist && !existsSync(DIST_ENTRY)) throw new Error(`${DIST_ENTRY} is missing: run npm run build first`)
  const entry = opts.dist ? DIST_ENTRY : SRC_ENTRY
  const ports = await Promise.all(Array.from({ length: opts.count }, () => freePort()))
  const origins = ports.map((p) => `http://127.0.0.1:${p}`)
  const nodes: ServerNode[] = []
  for (let i = 0; i < opts.count; i++) {
    const port = ports[i]!
    const nodeId = `bench-${i + 1}`
    const args = [
      ...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : []),
      ...(opts.dist ? [] : ['--import', 'tsx']),
      entry,
    ]
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: origins[i],
      ALLOWED_ORIGINS: origins.join(','),
      APP_ENV: 'development',
      AUTH_MODE: 'dev',
      DATABASE_URL: opts.databaseUrl,
      SESSION_SECRET: secret,
      DATA_DIR: join(dataDir, nodeId),
      LOG_LEVEL: 'warn',
      NODE_ID: nodeId,
      // The per-connection rate limit protects the service from one client; the closed-loop
      // saturation phase would hit it by design, so the bench raises it (documented).
      WS_OPS_PER_SECOND: '100000',
      WS_OPS_BURST: '100000',
      ...opts.extraEnv,
    }
    const logFile = opts.logDir ? join(opts.logDir, `${nodeId}.log`) : undefined
    const child = startChild(`server ${nodeId}`, process.execPath, args, env, ROOT, logFile)
    nodes.push({ child, pid: child.pid, port, url: origins[i]!, wsUrl: `ws://127.0.0.1:${port}/ws`, nodeId })
  }
  for (const n of nodes) {
    await waitFor(n.child, 'ready (/readyz 200)', async () => (await fetch(`${n.url}/readyz`)).status === 200, 90_000)
  }
  return {
    nodes,
    secret,
    cpuProfDir,
    entry,
    async stop() {
      await Promise.all(nodes.map((n) => n.child.stop(15_000)))
    },
  }
}
