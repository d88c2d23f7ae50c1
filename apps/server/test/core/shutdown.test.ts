/**
 * A real `kill -TERM` (and Ctrl-C's SIGINT) of a running server: it stops accepting, drains,
 * closes the database and exits 0 within 5 s, even with an idle keep-alive connection open.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { Agent, get } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CLOSE } from '@switchboard/protocol'
import { afterAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
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

describe('graceful shutdown', { timeout: 120_000 }, () => {
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

  it('SIGTERM tells open WebSockets it is going away (1001), then exits 0 within 5 s', async () => {
    const origin = 'http://localhost:1'
    const server = await startServer({ DATA_DIR: join(dataDir, 'ws'), PUBLIC_URL: origin })
    running.push(server)
    const signIn = await fetch(`${server.url}/api/dev/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ accountId: 'acct-1', userId: 'agent-1', role: 'agent' }),
    })
    expect(signIn.status).toBe(200)
    const { wsToken } = (await signIn.json()) as { wsToken: string }
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws?token=${encodeURIComponent(wsToken)}`, { headers: { origin } })
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })

    server.child.kill('SIGTERM')
    expect(await within(closed, 5000, 'socket close')).toBe(CLOSE.GOING_AWAY)
    const { code } = await within(server.exited, 5000, 'shutdown')
    expect(code).toBe(0)
  })
})
