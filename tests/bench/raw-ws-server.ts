/**
 * Baseline (a) server, the fan-out limit: a plain `ws` broadcast server with no persistence,
 * no auth and no schema validation beyond JSON.parse. It answers each op with an ack and
 * forwards it, as an `engagement.events`-shaped frame, to the engagement's subscribers and the
 * account's boards (the sender's own session included: Switchboard echoes rows to every session
 * of the agent). Run as a child process so its CPU is measured apart from the generator.
 */
import { WebSocketServer, type WebSocket } from 'ws'

const topics = new Map<string, Set<WebSocket>>()
const seqs = new Map<string, number>()

const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0), perMessageDeflate: false })

wss.on('connection', (ws) => {
  const mine: string[] = []
  ws.on('message', (raw) => {
    const msg = JSON.parse(raw.toString()) as {
      type: string; topics?: string[]; opId?: string; engagementId?: string; accountId?: string; update?: string; actorId?: string
    }
    if (msg.type === 'hello') {
      for (const t of msg.topics ?? []) {
        let set = topics.get(t)
        if (!set) topics.set(t, (set = new Set()))
        set.add(ws)
        mine.push(t)
      }
      ws.send(JSON.stringify({ type: 'welcome' }))
      return
    }
    if (msg.type !== 'doc.update' || !msg.engagementId) return
    const seq = (seqs.get(msg.engagementId) ?? 0) + 1
    seqs.set(msg.engagementId, seq)
    ws.send(JSON.stringify({ type: 'ack', opId: msg.opId, engagementId: msg.engagementId, seq }))
    const frame = JSON.stringify({
      type: 'engagement.events',
      engagementId: msg.engagementId,
      events: [{ seq, kind: 'doc', actorId: msg.actorId, opId: msg.opId, at: Date.now(), data: {}, update: msg.update }],
    })
    for (const t of [msg.engagementId, `board:${msg.accountId}`]) {
      for (const peer of topics.get(t) ?? []) peer.send(frame)
    }
  })
  ws.on('close', () => {
    for (const t of mine) topics.get(t)?.delete(ws)
  })
})

wss.on('listening', () => {
  const addr = wss.address()
  process.stdout.write(`listening ${typeof addr === 'object' && addr ? addr.port : ''}\n`)
})

process.on('SIGTERM', () => {
  for (const c of wss.clients) c.terminate()
  wss.close(() => process.exit(0))
})
