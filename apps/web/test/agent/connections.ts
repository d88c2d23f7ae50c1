/**
 * For a test file of the page's Connection over a real WebSocket: the protocol package's scripted
 * server, new for each test, and the global WebSocket the page's code expects (Node's or `ws`).
 * `connection()` opens an agent Connection to that server; it, and whatever `release` is given,
 * is closed after the test, the last first.
 */
import { afterEach, beforeEach } from 'vitest'
import { WebSocket } from 'ws'
import type { Outbox } from '@switchboard/protocol/outbox'
import { Connection } from '../../src/lib/connection.svelte.ts'
import { FakeServer } from '../../../../packages/protocol/test/helpers/fake-server.ts'

export function connectionsPerTest(): {
  readonly server: FakeServer
  connection(outbox: Outbox): Connection
  release(close: () => void): void
} {
  let server: FakeServer | undefined
  const releases: Array<() => void> = []
  const g = globalThis as { WebSocket?: unknown }
  const hadWebSocket = 'WebSocket' in g
  beforeEach(async () => {
    if (!hadWebSocket) g.WebSocket = WebSocket
    server = await FakeServer.start()
  })
  afterEach(async () => {
    for (const close of releases.splice(0).toReversed()) close()
    await server?.close()
    if (!hadWebSocket) delete g.WebSocket
  })
  return {
    get server() {
      if (!server) throw new Error('the server starts in beforeEach: use it inside tests')
      return server
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
