/** Switchboard clients of a run: the protocol package's SyncClient over `ws`, with minted ws tokens. */
import WebSocket from 'ws'
import { MemoryOutbox } from '@switchboard/protocol/outbox'
import { SyncClient, type WebSocketConstructor } from '@switchboard/protocol/sync-client'
import { newSessionId, signToken } from '../../apps/server/src/auth/session-token.ts'

export type Role = 'agent' | 'supervisor'

/** `ws` with the node's origin (the server checks Origin) and no compression (as browsers negotiate none here). */
/** Close codes seen by all clients of this process (code -> count), to explain reconnects. */
export const closeCodes: Record<string, number> = {}

export function wsWithOrigin(origin: string): WebSocketConstructor {
  class OriginWebSocket extends WebSocket {
    constructor(url: string) {
      super(url, { origin, perMessageDeflate: false })
      this.on('close', (code: number, reason: Buffer) => {
        if (code === 1000 && reason.toString() === 'client closed') return // our own close()
        const k = `${code}${reason.length > 0 ? ` ${reason.toString().slice(0, 40)}` : ''}`
        closeCodes[k] = (closeCodes[k] ?? 0) + 1
      })
    }
  }
  return OriginWebSocket as unknown as WebSocketConstructor
}

export interface ClientSpec {
  wsUrl: string
  origin: string
  secret: string
  accountId: string
  userId: string
  name: string
  role: Role
  clientId: string
  surface: 'agent' | 'supervisor' | 'other'
}

export function mintWsToken(secret: string, s: Pick<ClientSpec, 'accountId' | 'userId' | 'name' | 'role'>): string {
  const now = Date.now()
  return signToken(secret, {
    k: 'ws', sid: newSessionId(), sub: s.userId, acc: s.accountId, role: s.role, name: s.name, cred: 'dev-signin', iat: now, exp: now + 15 * 60_000,
  })
}

/** Creates and starts a client; resolves on `welcome`, rejects on a terminal close or timeout. */
export async function connectClient(spec: ClientSpec, timeoutMs = 30_000): Promise<SyncClient> {
  const client = new SyncClient({
    url: spec.wsUrl,
    WebSocket: wsWithOrigin(spec.origin),
    clientId: spec.clientId,
    surface: spec.surface,
    outbox: new MemoryOutbox(),
    getToken: () => mintWsToken(spec.secret, spec),
    heartbeatMs: 20_000,
    maxInFlight: 64,
  })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      off1()
      off2()
      client.close()
      reject(new Error(`${spec.clientId}: no welcome within ${timeoutMs} ms`))
    }, timeoutMs)
    const off1 = client.on('welcome', () => {
      clearTimeout(timer)
      off1()
      off2()
      resolve()
    })
    const off2 = client.on('state', (s) => {
      if (s.state === 'closed' && s.closeCode !== undefined) {
        clearTimeout(timer)
        off1()
        off2()
        reject(new Error(`${spec.clientId}: closed with ${s.closeCode} ${s.reason ?? ''}`))
      }
    })
    void client.start()
  })
  return client
}
