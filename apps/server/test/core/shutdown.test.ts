/**
 * A real `kill -TERM` (and Ctrl-C's SIGINT) of a running server: it stops accepting, drains,
 * closes the database and exits 0 within 5 s, even with an idle keep-alive connection open.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { Agent, get } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from './process.ts'

const dataDir = mkdtempSync(join(tmpdir(), 'sb-shutdown-'))
const running: RunningServer[] = []
afterAll(() => {
  for (const s of running) if (s.child.exitCode === null) s.child.kill('SIGKILL')
  rmSync(dataDir, { recursive: true, force: true })
})

function fetchKeepAlive(url: string, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    }).on('error', reject)
  })
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms)),
  ])
}

describe('graceful shutdown', { timeout: 60_000 }, () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} exits 0 within 5 s`, async () => {
      const server = await startServer({ DATA_DIR: join(dataDir, signal) })
      running.push(server)
      const agent = new Agent({ keepAlive: true })
      expect(await fetchKeepAlive(`${server.url}/readyz`, agent)).toBe(200)

      server.child.kill(signal)
      const { code } = await within(server.exited, 5000, 'shutdown')
      agent.destroy()
      expect(code).toBe(0)
      expect(server.output()).toContain('"msg":"stopped"')
    })
  }
})
