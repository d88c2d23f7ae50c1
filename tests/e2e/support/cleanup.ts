/**
 * A per-file cleanup stack: servers, databases and browsers are released in reverse order in
 * `afterAll`, even when a test or hook failed. Child processes are also SIGKILLed if the worker
 * exits without running it.
 */
import type { ChildProcess } from 'node:child_process'

export class Cleanup {
  readonly #tasks: Array<{ name: string; fn: () => Promise<unknown> | unknown }> = []

  add(name: string, fn: () => Promise<unknown> | unknown): void {
    this.#tasks.push({ name, fn })
  }

  async run(): Promise<void> {
    const errors: string[] = []
    while (this.#tasks.length > 0) {
      const task = this.#tasks.pop()!
      try {
        await task.fn()
      } catch (err) {
        errors.push(`${task.name}: ${(err as Error).message}`)
      }
    }
    if (errors.length > 0) process.stderr.write(`[e2e] cleanup problems:\n  ${errors.join('\n  ')}\n`)
  }
}

const children = new Set<ChildProcess>()
let hooked = false

/** Kill this child with the worker if nothing else stopped it. */
export function trackChild(proc: ChildProcess): void {
  children.add(proc)
  proc.once('exit', () => children.delete(proc))
  if (!hooked) {
    hooked = true
    process.once('exit', () => {
      for (const c of children) c.kill('SIGKILL')
    })
  }
}
