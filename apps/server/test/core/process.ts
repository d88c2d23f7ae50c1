/** Running the real server entry as a child process (via tsx, so no build is needed). */
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'

export const REPO_ROOT = join(import.meta.dirname, '../../../..')
export const SERVER_ENTRY = join(REPO_ROOT, 'apps/server/src/server.ts')
export const TSX_ARGS = ['--import', 'tsx']

export interface RunningServer {
  child: ChildProcess
  url: string
  output(): string
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Starts the server on a free port and resolves once it logs the address it listens on. */
export function startServer(env: Record<string, string>, timeoutMs = 90_000): Promise<RunningServer> {
  const child = spawn(process.execPath, [...TSX_ARGS, SERVER_ENTRY], {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
  })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`server did not start in time:\n${out}`))
    }, timeoutMs)
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8')
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (m?.[1]) {
        clearTimeout(timer)
        resolve({ child, url: m[1], output: () => out, exited })
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    void exited.then(({ code }) => {
      clearTimeout(timer)
      reject(new Error(`server exited early with code ${code}:\n${out}`))
    })
  })
}
