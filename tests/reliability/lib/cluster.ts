/**
 * Server nodes as child processes that a scenario can kill and restart on the same port.
 * Built on the load generator's child-process helpers (tests/bench/spawn.ts, servers.ts); the
 * environment mirrors `startServers` there, with per-node overrides (a node's DATABASE_URL may
 * point at a TCP proxy the test controls).
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onCleanup } from '../../bench/cleanup.ts'
import { freePort, ROOT } from '../../bench/servers.ts'
import { startChild, waitFor, type Child } from '../../bench/spawn.ts'

const ENTRY = join(ROOT, 'apps/server/src/server.ts')

export interface NodeSpec {
  nodeId: string
  databaseUrl: string
  env?: Record<string, string>
}

export class RelNode {
  readonly nodeId: string
  readonly port: number
  child: Child | null = null
  /** every start of this node (1 + restarts) */
  starts = 0
  readonly #env: NodeJS.ProcessEnv

  constructor(nodeId: string, port: number, env: NodeJS.ProcessEnv) {
    this.nodeId = nodeId
    this.port = port
    this.#env = env
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws`
  }

  get pid(): number | null {
    return this.child?.pid ?? null
  }

  get running(): boolean {
    const p = this.child?.proc
    return p !== undefined && p.exitCode === null && p.signalCode === null
  }

  /** Starts the process and waits for `/readyz` 200. */
  async start(timeoutMs = 90_000): Promise<void> {
    this.starts++
    const child = startChild(`server ${this.nodeId}#${this.starts}`, process.execPath, ['--import', 'tsx', ENTRY], this.#env, ROOT)
    this.child = child
    await waitFor(child, 'ready (/readyz 200)', async () => (await fetch(`${this.url}/readyz`)).status === 200, timeoutMs)
  }

  /** SIGKILL: no drain, no goodbye; resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.child
    if (!child || !this.running) return
    child.proc.kill('SIGKILL')
    await child.exited
  }

  async stop(): Promise<void> {
    await this.child?.stop(10_000)
  }

  /** Whether the process exited by itself (a crash), not by our signal. */
  crashed(): boolean {
    const p = this.child?.proc
    return p !== undefined && p.exitCode !== null && p.exitCode !== 0
  }

  tail(): string {
    return this.child?.tail() ?? ''
  }
}

export interface Cluster {
  nodes: RelNode[]
  secret: string
  stop(): Promise<void>
}

/** Allocates ports and builds every node; `start` starts them all (in parallel). */
export async function startCluster(specs: NodeSpec[], opts: { start?: boolean } = {}): Promise<Cluster> {
  const secret = randomBytes(32).toString('base64url')
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-rel-'))
  onCleanup('remove reliability data dir', () => rmSync(dataDir, { recursive: true, force: true }))
  const ports = await Promise.all(specs.map(() => freePort()))
  const origins = ports.map((p) => `http://127.0.0.1:${p}`)
  const nodes = specs.map((spec, i) => new RelNode(spec.nodeId, ports[i]!, {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    NODE_ENV: 'production',
    PORT: String(ports[i]),
    HOST: '127.0.0.1',
    PUBLIC_URL: origins[i],
    ALLOWED_ORIGINS: origins.join(','),
    APP_ENV: 'development',
    AUTH_MODE: 'dev',
    DATABASE_URL: spec.databaseUrl,
    SESSION_SECRET: secret,
    DATA_DIR: join(dataDir, spec.nodeId),
    LOG_LEVEL: process.env['SB_REL_LOG'] ?? 'warn',
    NODE_ID: spec.nodeId,
    // For trying a candidate server fix without editing the server (e.g. a --import preload).
    ...(process.env['RELIABILITY_SERVER_NODE_OPTIONS'] ? { NODE_OPTIONS: process.env['RELIABILITY_SERVER_NODE_OPTIONS'] } : {}),
    ...spec.env,
  }))
  if (opts.start !== false) await Promise.all(nodes.map((n) => n.start()))
  const cluster: Cluster = {
    nodes,
    secret,
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()))
    },
  }
  onCleanup('stop reliability cluster', () => cluster.stop())
  return cluster
}
