/**
 * For a test file of the page's Connection over a real WebSocket: the protocol package's scripted
 * server, new for each test, and the global WebSocket the page's code expects (Node's or `ws`).
 * `connection()` opens an agent Connection to that server; it, and whatever `release` is given,
 * is closed after the test, the last first.
 */
import { afterEach } from 'vitest'
import { WebSocket } from 'ws'
import type { Outbox } from '@switchboard/protocol/outbox'
import { Connection } from '../../src/lib/connection.svelte.ts'
import { FakeServer } from '../../../../packages/protocol/test/helpers/fake-server.ts'
import { perTest } from '../../../../tests/support/hooks.ts'

export function connectionsPerTest(): {
  readonly server: FakeServer
  connection(outbox: Outbox): Connection
  release(close: () => void): void
} {
  const g = globalThis as { WebSocket?: unknown }
  const hadWebSocket = 'WebSocket' in g
  const server = perTest('the FakeServer', async () => {
    if (!hadWebSocket) g.WebSocket = WebSocket
    return FakeServer.start()
  }, async (s) => {
    await s.close()
    if (!hadWebSocket) delete g.WebSocket
  })
  const releases: Array<() => void> = []
  afterEach(() => {
    for (const close of releases.splice(0).toReversed()) close()
  })
  return {
    get server() {
      return server()
    },
    connection(outbox) {
      const c = new Connection({ surface: 'agent', clientId: 'tab-1', outbox, location: { protocol: 'http:', host: new URL(this.server.url).host } })
      releases.push(() => c.close())
      return c
    },
    release(close) {
      releases.push(close)
    },
  }
}
