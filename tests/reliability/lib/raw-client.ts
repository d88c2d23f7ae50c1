/**
 * A bare WebSocket client for hostile and access tests: sends exactly the frames it is given
 * (text, binary, invalid UTF-8), records every frame and the close code, never reconnects.
 */
import { randomUUID } from 'node:crypto'
import WebSocket from 'ws'
import { messagesOf, PROTOCOL_VERSION } from '@switchboard/protocol'
import { newSessionId, signToken } from '../../../apps/server/src/auth/session-token.ts'
import { waitFor } from '../../support/wait.ts'

export type Msg = Record<string, unknown> & { type: string }

export interface Identity {
  accountId: string
  userId: string
  role: 'agent' | 'supervisor' | 'admin'
}

export function wsTokenFor(secret: string, who: Identity, ttlMs = 600_000): string {
  const now = Date.now()
  return signToken(secret, { k: 'ws', sid: newSessionId(), sub: who.userId, acc: who.accountId, role: who.role, name: who.userId, cred: 'dev-signin', iat: now, exp: now + ttlMs })
}

export class RawClient {
  readonly ws: WebSocket
  readonly received: Msg[] = []
  /** frames that were not JSON objects with a string type (must stay empty) */
  readonly unparsable: string[] = []
  closeCode: number | undefined
  readonly opened: Promise<void>
  bytesIn = 0

  constructor(wsUrl: string, opts: { token?: string; origin?: string; headers?: Record<string, string> } = {}) {
    const url = opts.token ? `${wsUrl}?token=${encodeURIComponent(opts.token)}` : wsUrl
    this.ws = new WebSocket(url, { headers: opts.headers, perMessageDeflate: false, handshakeTimeout: 10_000, ...(opts.origin ? { origin: opts.origin } : {}) })
    this.ws.on('message', (data, isBinary) => {
      const text = String(data)
      this.bytesIn += text.length
      try {
        const m = JSON.parse(text) as Msg
        if (isBinary || typeof m !== 'object' || m === null || typeof m.type !== 'string') this.unparsable.push(text.slice(0, 200))
        // A batch frame's messages, one by one, as if each had come alone.
        else this.received.push(...messagesOf(m))
      } catch {
        this.unparsable.push(text.slice(0, 200))
      }
    })
    this.ws.on('close', (code) => {
      this.closeCode = code
    })
    this.ws.on('error', () => {})
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve())
      this.ws.once('unexpected-response', (_req, res) => {
        let body = ''
        res.on('data', (c: Buffer) => { body += String(c) })
        res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body, headers: res.headers })))
      })
      this.ws.once('error', reject)
    })
  }

  static async connect(wsUrl: string, opts: { token: string; origin?: string }, surface: 'agent' | 'supervisor' | 'other' = 'agent'): Promise<RawClient> {
    const c = new RawClient(wsUrl, opts)
    await c.opened
    c.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: randomUUID(), surface })
    await c.next('welcome')
    return c
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN
  }

  send(msg: unknown): void {
    if (!this.open) return
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg))
  }

  sendRaw(data: Buffer | string, binary: boolean): void {
    if (!this.open) return
    this.ws.send(data, { binary })
  }

  /** The first message (received at or after index `from`) matching type and predicate. */
  next(type: string, pred: (m: Msg) => boolean = () => true, timeoutMs = 10_000, from = 0): Promise<Msg> {
    return this.nextWhere((m) => m.type === type && pred(m), timeoutMs, from, type)
  }

  /** The first message (at or after index `from`) matching the predicate. */
  nextWhere(pred: (m: Msg) => boolean, timeoutMs = 10_000, from = 0, what = 'matching message'): Promise<Msg> {
    return waitFor(() => this.received.slice(from).find(pred), timeoutMs,
      () => `no ${what} within ${timeoutMs} ms (close ${this.closeCode}); got ${this.received.slice(-5).map((m) => m.type).join(',')}`,
      () => this.closeCode !== undefined)
  }

  /** The ack or error answering `opId`. */
  reply(opId: string, timeoutMs = 10_000): Promise<Msg> {
    return waitFor(() => this.received.find((m) => (m.type === 'ack' || m.type === 'error') && m['opId'] === opId), timeoutMs,
      () => `no reply for ${opId} (close ${this.closeCode})`, () => this.closeCode !== undefined)
  }

  /** Resolves once a `pong` for a ping sent now arrives: everything sent before it was handled. */
  async roundTrip(timeoutMs = 10_000): Promise<void> {
    const t = Date.now() + Math.random()
    const from = this.received.length
    this.send({ type: 'ping', t })
    await this.next('pong', (m) => m['t'] === t, timeoutMs, from)
  }

  closed(timeoutMs = 10_000): Promise<number> {
    return waitFor(() => this.closeCode, timeoutMs, () => 'socket did not close')
  }

  close(): void {
    try {
      this.ws.terminate()
    } catch {
      // gone
    }
  }
}

export const opId = (): string => randomUUID()
