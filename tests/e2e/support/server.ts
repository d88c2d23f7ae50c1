/**
 * A server node as a child process: the built bundle (`node apps/server/dist/server.js`) with its
 * configuration from the environment, on a fixed port so it can be killed and started again at
 * the same address. Ready means `/readyz` answers 200 (database reachable and migrated).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Build } from './build.ts'
import { trackChild } from './cleanup.ts'
import { freePort } from '../../support/net.ts'

export { freePort }


export interface NodeOptions {
  nodeId: string
  databaseUrl: string
  /** Shared by every node of a cluster (their sessions are interchangeable). */
  sessionSecret: string
  port?: number
  /** Extra origins allowed to open /ws besides this node's own. */
  allowedOrigins?: string[]
  env?: Record<string, string>
}

export class ServerNode {
  readonly nodeId: string
  readonly port: number
  /** e.g. http://127.0.0.1:41234, also its PUBLIC_URL */
  readonly origin: string
  readonly #build: Build
  readonly #env: NodeJS.ProcessEnv
  readonly #dataDir: string
  #proc: ChildProcess | null = null
  #output: string[] = []

  constructor(build: Build, port: number, opts: NodeOptions) {
    this.nodeId = opts.nodeId
    this.port = port
    this.origin = `http://127.0.0.1:${port}`
    this.#build = build
    this.#dataDir = mkdtempSync(join(tmpdir(), `sb-e2e-${opts.nodeId}-`))
    this.#env = {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: this.origin,
      ALLOWED_ORIGINS: (opts.allowedOrigins ?? []).join(','),
      APP_ENV: 'development', AUTH_MODE: 'dev', LOG_LEVEL: 'warn',
      DATABASE_URL: opts.databaseUrl, DATA_DIR: this.#dataDir,
      SESSION_SECRET: opts.sessionSecret, NODE_ID: opts.nodeId,
      ...opts.env,
    }
  }

  get running(): boolean {
    const p = this.#proc
    return p !== null && p.exitCode === null && p.signalCode === null
  }

  /** Last lines the process printed (warnings and errors; LOG_LEVEL=warn). */
  output(): string {
    return this.#output.slice(-40).join('\n')
  }

  async start(timeoutMs = 60_000): Promise<void> {
    if (this.running) throw new Error(`${this.nodeId} is already running`)
    const proc = spawn(process.execPath, ['--enable-source-maps', this.#build.serverEntry], {
      cwd: this.#build.dir, env: this.#env, stdio: ['ignore', 'pipe', 'pipe'],
    })
    trackChild(proc)
    this.#proc = proc
    const keep = (chunk: Buffer): void => {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') this.#output.push(line)
      if (this.#output.length > 400) this.#output.splice(0, this.#output.length - 400)
    }
    proc.stdout?.on('data', keep)
    proc.stderr?.on('data', keep)
    const until = Date.now() + timeoutMs
    while (Date.now() < until) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`${this.nodeId} exited (${proc.exitCode ?? proc.signalCode}) before it was ready:\n${this.output()}`)
      }
      try {
        if ((await fetch(`${this.origin}/readyz`)).status === 200) return
      } catch { /* not listening yet */ }
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error(`${this.nodeId} not ready within ${timeoutMs} ms:\n${this.output()}`)
  }

  /** SIGKILL (a crash: no drain, no goodbye frames) or SIGTERM (graceful); resolves once gone. */
  async kill(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    const p = this.#proc
    if (!p || !this.running) return
    const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()))
    p.kill(signal)
    const force = signal === 'SIGTERM' ? setTimeout(() => p.kill('SIGKILL'), 10_000) : undefined
    await exited
    clearTimeout(force)
  }

  async close(): Promise<void> {
    await this.kill('SIGTERM')
    rmSync(this.#dataDir, { recursive: true, force: true })
  }
}

/** Creates and starts a node on a free (or the given) port. */
export async function startNode(build: Build, opts: NodeOptions): Promise<ServerNode> {
  const node = new ServerNode(build, opts.port ?? await freePort(), opts)
  await node.start()
  return node
}
