/** Child processes of a run: started with a readiness check, stopped (TERM, then KILL) on cleanup. */
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { onCleanup } from './cleanup.ts'

export interface Child {
  name: string
  proc: ChildProcess
  pid: number
  /** last lines of stderr/stdout, for error messages */
  tail(): string
  exited: Promise<number | null>
  stop(timeoutMs?: number): Promise<void>
}

export function startChild(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, logFile?: string): Child {
  const proc = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  const log = logFile ? createWriteStream(logFile) : null
  if (log) {
    proc.stdout!.pipe(log, { end: false })
    proc.stderr!.pipe(log, { end: false })
    proc.once('exit', () => log.end())
  }
  if (proc.pid === undefined) throw new Error(`${name}: could not start ${cmd}`)
  const lines: string[] = []
  const keep = (chunk: Buffer) => {
    for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(l)
    if (lines.length > 200) lines.splice(0, lines.length - 200)
  }
  proc.stdout!.on('data', keep)
  proc.stderr!.on('data', keep)
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))))
  let stopping: Promise<void> | null = null
  const child: Child = {
    name,
    proc,
    pid: proc.pid,
    tail: () => lines.slice(-20).join('\n'),
    exited,
    stop(timeoutMs = 8000) {
      stopping ??= (async () => {
        if (proc.exitCode !== null || proc.signalCode !== null) return
        proc.kill('SIGTERM')
        const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs)
        await exited
        clearTimeout(timer)
      })()
      return stopping
    },
  }
  const off = onCleanup(`stop ${name}`, () => child.stop())
  void exited.then(off)
  return child
}

/** Resolves when `check` returns true; rejects if the child exits first or the time runs out. */
export async function waitFor(child: Child, what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now()
  let exited = false
  void child.exited.then(() => { exited = true })
  while (Date.now() - t0 < timeoutMs) {
    if (exited) throw new Error(`${child.name} exited before ${what}:\n${child.tail()}`)
    try {
      if (await check()) return
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`${child.name}: ${what} not reached within ${timeoutMs} ms:\n${child.tail()}`)
}
