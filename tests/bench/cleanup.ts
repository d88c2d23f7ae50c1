/**
 * Cleanup registry: child processes, sockets and the throwaway database are released in
 * reverse order on normal exit, on error, on SIGINT/SIGTERM and on the run's deadline.
 */
type Task = { name: string; fn: () => Promise<void> | void }

const tasks: Task[] = []
let running: Promise<void> | null = null

export function onCleanup(name: string, fn: () => Promise<void> | void): () => void {
  const task = { name, fn }
  tasks.push(task)
  return () => {
    const i = tasks.indexOf(task)
    if (i >= 0) tasks.splice(i, 1)
  }
}

export function cleanup(): Promise<void> {
  running ??= (async () => {
    while (tasks.length > 0) {
      const task = tasks.pop()!
      try {
        await withTimeout(Promise.resolve(task.fn()), 15_000, task.name)
      } catch (err) {
        process.stderr.write(`bench: cleanup "${task.name}" failed: ${(err as Error).message}\n`)
      }
    }
  })()
  return running
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms)
    }),
  ])
}

/** Installs signal handlers and a hard deadline; both clean up and exit. */
export function installExitHandlers(deadlineMs: number): void {
  const bail = (why: string, code: number) => {
    process.stderr.write(`\nbench: ${why}; cleaning up\n`)
    void cleanup().finally(() => process.exit(code))
  }
  process.once('SIGINT', () => bail('interrupted', 130))
  process.once('SIGTERM', () => bail('terminated', 143))
  process.once('SIGHUP', () => bail('hung up', 129))
  const deadline = setTimeout(() => bail(`deadline of ${Math.round(deadlineMs / 1000)} s reached`, 124), deadlineMs)
  deadline.unref()
}
