/**
 * Colleagues of the agent under test, so the board looks like a real floor: each one signs in
 * through dev sign-in (HTTP) and runs the protocol package's SyncClient over `ws` in Node, the
 * same client the web app runs, reporting engagements and typing notes as a Yjs update.
 */
import WebSocket from 'ws'
import * as Y from 'yjs'
import { MemoryOutbox } from '@switchboard/protocol/outbox'
import { SyncClient } from '@switchboard/protocol/sync-client'
import type { WebSocketConstructor } from '@switchboard/protocol/sync-types'

export interface SeedEngagement {
  id: string
  consumer: string
  channel: 'voice' | 'video' | 'messaging' | 'email'
  queueName: string
  state: 'active' | 'inactive' | 'wrap-up'
  notes: string
  /** When the engagement started (ms ago), so timers on the board differ. */
  startedAgoMs: number
}

export interface SeededAgent {
  client: SyncClient
  close(): void
}

function wsWithOrigin(origin: string): WebSocketConstructor {
  class OriginWebSocket extends WebSocket {
    constructor(url: string) {
      super(url, { origin, perMessageDeflate: false })
    }
  }
  return OriginWebSocket as unknown as WebSocketConstructor
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64')
}

/** Signs the agent in on `origin`, reports its engagements with notes, resolves once all are acked. */
export async function seedAgent(
  origin: string,
  user: { accountId: string; userId: string; displayName: string },
  engagements: SeedEngagement[],
  opts: { burst?: boolean; timeoutMs?: number } = {},
): Promise<SeededAgent> {
  const res = await fetch(`${origin}/api/dev/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin },
    body: JSON.stringify({ ...user, role: 'agent' }),
  })
  if (!res.ok) throw new Error(`dev sign-in for ${user.userId}: ${res.status} ${await res.text()}`)
  const { wsToken } = await res.json() as { wsToken?: string }
  if (!wsToken) throw new Error('dev sign-in gave no wsToken')

  const client = new SyncClient({
    url: `${origin.replace(/^http/, 'ws')}/ws`,
    WebSocket: wsWithOrigin(origin),
    clientId: `seed-${user.userId}`,
    surface: 'agent',
    outbox: new MemoryOutbox(),
    getToken: () => wsToken,
  })
  const acked = new Set<string>()
  const rejected: string[] = []
  client.on('ack', (a) => { acked.add(a.opId) })
  client.on('opRejected', (r) => { rejected.push(`${r.code}: ${r.message}`) })
  await client.start()

  const waitAcked = async (ids: string[]): Promise<void> => {
    const until = Date.now() + (opts.timeoutMs ?? 30_000)
    while (ids.some((id) => !acked.has(id))) {
      if (rejected.length > 0) throw new Error(`seed ${user.userId}: ${rejected.join('; ')}`)
      if (Date.now() > until) throw new Error(`seed ${user.userId}: ${ids.filter((id) => !acked.has(id)).length} of ${ids.length} ops not acked within ${opts.timeoutMs ?? 30_000} ms (client ${client.state})`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  // Engagements first, then their notes (an agent types into an engagement already reported);
  // `burst` sends both at once, as a client resending its outbox after a reconnect does.
  const now = Date.now()
  try {
    await report()
  } catch (err) {
    client.close()
    throw err
  }
  return { client, close: () => client.close() }

  async function report(): Promise<void> {
    const observes = engagements.map((e) => client.send({
      type: 'engagement.observe',
      engagementId: e.id,
      context: { engagementId: e.id, queueName: e.queueName, startTime: now - e.startedAgoMs, acceptTime: now - e.startedAgoMs },
      status: {
        state: e.state, channel: e.channel, assignedAgentId: user.userId, assignedAgentName: user.displayName,
        consumers: [{ consumerDisplayName: e.consumer }],
      },
      at: now - e.startedAgoMs,
    }))
    if (!opts.burst) await waitAcked(await Promise.all(observes))
    const notes = engagements.map((e) => {
      const doc = new Y.Doc()
      doc.getText('notes').insert(0, e.notes)
      return client.send({ type: 'doc.update', engagementId: e.id, update: toBase64(Y.encodeStateAsUpdate(doc)) })
    })
    await waitAcked([...await Promise.all(observes), ...await Promise.all(notes)])
  }
}
