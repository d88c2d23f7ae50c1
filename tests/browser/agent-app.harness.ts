/**
 * Harness for agent-*.browser.test.ts: a real server process (embedded PGlite in a temp dir, dev
 * sign-in) and Vite's dev server for the web pages, proxying /api and /ws to it. The browser loads
 * the emulator (`/simulator.html`), which hosts the real agent page in an iframe.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Browser } from 'playwright-core'
import { createServer, type ViteDevServer } from 'vite'
import { afterAll, beforeAll } from 'vitest'
import { launchBrowser } from '../support/chromium.ts'
import { freePort } from '../support/net.ts'

const repo = resolve(import.meta.dirname, '../..')
const WEB = join(repo, 'apps/web')


async function waitForHttp(url: string, proc: ChildProcess, log: () => string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`server exited (${proc.exitCode}):\n${log()}`)
    try {
      const r = await fetch(url)
      if (r.ok) return
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`server did not answer ${url}:\n${log()}`)
}

export interface AgentHarness {
  /** Origin of the pages (Vite), e.g. http://127.0.0.1:5999 */
  origin: string
  /** Stop the server process (simulates a restart when followed by `startServer`). */
  stopServer(): Promise<void>
  startServer(): Promise<void>
  close(): Promise<void>
}

export async function startAgentHarness(): Promise<AgentHarness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sb-agent-app-'))
  const [serverPort, vitePort] = [await freePort(), await freePort()]
  const origin = `http://127.0.0.1:${vitePort}`
  let proc: ChildProcess | null = null
  let output = ''

  async function startServer(): Promise<void> {
    output = ''
    proc = spawn(process.execPath, ['--import', 'tsx', 'apps/server/src/server.ts'], {
      cwd: repo,
      env: {
        ...process.env,
        PORT: String(serverPort), HOST: '127.0.0.1', DATA_DIR: dataDir, PUBLIC_URL: origin,
        LOG_LEVEL: 'warn', APP_ENV: 'development', AUTH_MODE: 'dev',
        DATABASE_URL: '', ZOOM_CLIENT_SECRET: '', ZOOM_DEV_CLIENT_SECRET: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    proc.stdout?.on('data', (d: Buffer) => { output += d.toString() })
    proc.stderr?.on('data', (d: Buffer) => { output += d.toString() })
    await waitForHttp(`http://127.0.0.1:${serverPort}/healthz`, proc, () => output)
  }

  async function stopServer(): Promise<void> {
    const p = proc
    proc = null
    if (!p || p.exitCode !== null) return
    await new Promise<void>((res) => {
      p.once('exit', () => res())
      p.kill('SIGTERM')
      setTimeout(() => p.kill('SIGKILL'), 8000).unref()
    })
  }

  await startServer()
  process.env['SB_SERVER_URL'] = `http://127.0.0.1:${serverPort}`
  const vite: ViteDevServer = await createServer({
    configFile: join(WEB, 'vite.config.ts'),
    root: WEB,
    // 'silent': the restart scenario makes the proxy log every refused connection.
    logLevel: 'silent',
    server: { port: vitePort, strictPort: true, host: '127.0.0.1', hmr: false },
  })
  await vite.listen()

  return {
    origin,
    stopServer,
    startServer,
    async close() {
      await vite.close()
      await stopServer()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}

/**
 * The harness and a Chromium for one test file: started in `beforeAll`, closed in `afterAll`.
 * Read `h` and `browser` inside tests (they are set once the hooks ran).
 */
export function useAgentBrowser(): { readonly h: AgentHarness; readonly browser: Browser } {
  let h: AgentHarness | undefined
  let browser: Browser | undefined
  beforeAll(async () => {
    h = await startAgentHarness()
    browser = await launchBrowser()
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    await h?.close()
  })
  return {
    get h() { return h! },
    get browser() { return browser! },
  }
}
