/**
 * Memory per idle connection: open many authenticated sockets (hello answered by welcome) that
 * then stay silent apart from heartbeats, and divide the server's RSS growth by their number.
 */
import type { SyncClient } from '@switchboard/protocol/sync-client'
import { connectClient } from './fleet.ts'
import { round } from './hist.ts'
import { mapLimit, sleep } from './limit.ts'
import { heapUsedBytes } from './metrics.ts'
import { openFds, rssKb } from './proc.ts'
import type { ServerNode } from './servers.ts'

export interface IdleResult {
  connections: number
  rssBeforeKb: number
  rssAfterKb: number
  perConnectionKb: number
  heapBeforeBytes: number | null
  heapAfterBytes: number | null
  heapPerConnectionKb: number | null
  fdsAfter: number | null
  connectSeconds: number
}

export async function measureIdle(node: ServerNode, secret: string, users: Array<{ accountId: string; userId: string; name: string }>): Promise<IdleResult> {
  const settle = async () => {
    await sleep(3_000)
    return { rss: rssKb(node.pid) ?? 0, heap: await heapUsedBytes(node.url) }
  }
  const before = await settle()
  const t0 = performance.now()
  const clients: SyncClient[] = []
  try {
    await mapLimit(users, 100, async (u, i) => {
      clients.push(await connectClient({
        wsUrl: node.wsUrl, origin: node.url, secret, ...u, role: 'agent', clientId: `bench-idle-${i}`, surface: 'agent',
      }))
    })
    const connectSeconds = (performance.now() - t0) / 1000
    const after = await settle()
    const n = clients.length
    return {
      connections: n,
      rssBeforeKb: before.rss,
      rssAfterKb: after.rss,
      perConnectionKb: round((after.rss - before.rss) / n, 1),
      heapBeforeBytes: before.heap,
      heapAfterBytes: after.heap,
      heapPerConnectionKb: before.heap !== null && after.heap !== null ? round((after.heap - before.heap) / n / 1024, 1) : null,
      fdsAfter: openFds(node.pid),
      connectSeconds: round(connectSeconds, 1),
    }
  } finally {
    for (const c of clients) c.close()
    await sleep(1_000)
  }
}
