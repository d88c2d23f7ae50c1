/**
 * An agent session on the real protocol over a `ws` socket (dev sign-in, hello, then ops), for the
 * supervisor browser tests: what the agent app would send, without a second browser.
 */
import { randomUUID } from 'node:crypto'
import WebSocket from 'ws'
import { messagesOf, PROTOCOL_VERSION } from '@switchboard/protocol'

export type Msg = Record<string, unknown> & { type: string }

export class ProtocolAgent {
  readonly received: Msg[] = []
  #ws!: WebSocket

  static async connect(origin: string, accountId: string, userId: string, name: string): Promise<ProtocolAgent> {
    const res = await fetch(`${origin}/api/dev/sign-in`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accountId, userId, role: 'agent', displayName: name }),
    })
    if (!res.ok) throw new Error(`dev sign-in failed: ${res.status} ${await res.text()}`)
    const { wsToken } = await res.json() as { wsToken: string }
    const a = new ProtocolAgent()
    a.#ws = new WebSocket(`${origin.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(wsToken)}`, { headers: { origin } })
    a.#ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as Msg
      a.received.push(...messagesOf(m))
    })
    await new Promise<void>((resolve, reject) => { a.#ws.once('open', () => resolve()); a.#ws.once('error', reject) })
    a.send({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: randomUUID(), surface: 'agent' })
    await a.next('welcome')
    return a
  }

  send(msg: Record<string, unknown>): void {
    this.#ws.send(JSON.stringify(msg))
  }

  /** Sends an op and waits for its ack. */
  async op(msg: Record<string, unknown>): Promise<Msg> {
    const opId = randomUUID()
    this.send({ ...msg, opId })
    return this.next('ack', (m) => m['opId'] === opId)
  }

  /** Reports an engagement as the agent app does when Zoom shows it. */
  observe(engagementId: string, o: { agentId: string; agentName: string; consumer: string; queueName?: string }): Promise<Msg> {
    const now = Date.now()
    return this.op({
      type: 'engagement.observe', engagementId, at: now,
      context: { engagementId, queueName: o.queueName, startTime: now - 5000, acceptTime: now - 4000 },
      status: { state: 'active', channel: 'voice', assignedAgentId: o.agentId, assignedAgentName: o.agentName, consumers: [{ consumerDisplayName: o.consumer }] },
    })
  }

  async next(type: string, pred: (m: Msg) => boolean = () => true, timeout = 15_000): Promise<Msg> {
    const deadline = Date.now() + timeout
    for (;;) {
      const hit = this.received.find((m) => m.type === type && pred(m))
      if (hit) return hit
      const err = this.received.find((m) => m.type === 'error')
      if (Date.now() > deadline) throw new Error(`no ${type}; got ${JSON.stringify(err ?? this.received.map((m) => m.type))}`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  close(): void {
    this.#ws.close()
  }
}
