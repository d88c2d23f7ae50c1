/**
 * The send path: frames a session gets in one tick leave in one write (cork, sends, uncork on
 * the next microtask), and a frame serialized once as UTF-8 bytes arrives as a text frame.
 */
import { once } from 'node:events'
import type { IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import WebSocket, { WebSocketServer } from 'ws'
import { describe, expect, it } from 'vitest'
import { wsPeer } from '../../src/ws/gateway.ts'
import type { Peer } from '../../src/ws/peer.ts'
import { Session } from '../../src/ws/session.ts'

const user = { accountId: 'a1', id: 'u1', role: 'agent' as const, displayName: null }
const limits = { opsPerSecond: 10, opsBurst: 10, sendBufferBytes: 1 << 20 }

describe('session send path', () => {
  it('corks on the first frame of a tick and uncorks once after the last', async () => {
    const calls: string[] = []
    const peer: Peer = {
      send: (d) => calls.push(`send ${String(d)}`), bufferedAmount: 0, close() {},
      cork: () => calls.push('cork'), uncork: () => calls.push('uncork'),
    }
    const s = new Session(user, peer, limits, Date.now())
    s.send('a')
    s.send(Buffer.from('b'))
    s.sendJson({ c: 1 })
    expect(calls).toEqual(['cork', 'send a', 'send b', 'send {"c":1}'])
    await Promise.resolve()
    expect(calls).toEqual(['cork', 'send a', 'send b', 'send {"c":1}', 'uncork'])
    s.send('d')
    await Promise.resolve()
    expect(calls.slice(5)).toEqual(['cork', 'send d', 'uncork'])
  })

  it('delivers Buffer and string frames over a real socket as text, in order', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
    await once(wss, 'listening')
    const got: { text: string; binary: boolean }[] = []
    const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`)
    client.on('message', (data, isBinary) => got.push({ text: String(data), binary: isBinary }))
    const [server, request] = (await once(wss, 'connection')) as [WebSocket, IncomingMessage]
    await once(client, 'open')
    const s = new Session(user, wsPeer(server, request.socket), limits, Date.now())
    const shared = Buffer.from(JSON.stringify({ type: 'engagement.events', note: 'é ✓' }))
    s.send(shared)
    s.send('{"type":"ack"}')
    s.send(shared)
    await expect.poll(() => got.length).toBe(3)
    expect(got).toEqual([
      { text: '{"type":"engagement.events","note":"é ✓"}', binary: false },
      { text: '{"type":"ack"}', binary: false },
      { text: '{"type":"engagement.events","note":"é ✓"}', binary: false },
    ])
    client.close()
    await new Promise<void>((r) => wss.close(() => r()))
  })
})
