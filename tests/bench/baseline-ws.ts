/**
 * Baseline (a), the fan-out limit: the same connections, message sizes and fan-out as the
 * Switchboard run, against a raw `ws` broadcast server without persistence. Each agent's first
 * session keeps one op in flight (closed loop, like the saturation phase); deliveries are the
 * frames that reach the sessions of the agent (its own included), watchers and boards.
 */
import { fileURLToPath } from 'node:url'
import WebSocket from 'ws'
import { v7 as uuidv7 } from 'uuid'
import { Samples, type Summary } from './hist.ts'
import { mapLimit, sleep } from './limit.ts'
import { CpuMeter, peakRssKb } from './proc.ts'
import { startChild, waitFor } from './spawn.ts'
import type { Topology } from './topology.ts'

const SERVER = fileURLToPath(new URL('./raw-ws-server.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface WsBaselineResult {
  connections: number
  publishers: number
  seconds: number
  ops: number
  opsPerSecond: number
  deliveries: number
  deliveriesPerSecond: number
  fanoutPerOp: number
  frameBytes: number
  ackLatencyMs: Summary
  serverCpuPct: number
  serverPeakRssKb: number | null
  generatorCpuPct: number
  machineCpuPct: number
}

function open(url: string, topics: string[], onFrame?: (data: string) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false })
    ws.once('error', reject)
    ws.once('open', () => ws.send(JSON.stringify({ type: 'hello', topics })))
    ws.once('message', () => {
      if (onFrame) ws.on('message', (d) => onFrame(d.toString()))
      resolve(ws)
    })
  })
}

export async function runWsBaseline(topo: Topology, opts: { seconds: number; update: string }): Promise<WsBaselineResult> {
  const child = startChild('raw-ws-baseline', process.execPath, ['--import', 'tsx', SERVER], { ...process.env, PORT: '0' }, ROOT)
  let port = 0
  child.proc.stdout!.on('data', (d: Buffer) => {
    const m = d.toString().match(/listening (\d+)/)
    if (m) port = Number(m[1])
  })
  const sockets: WebSocket[] = []
  try {
    await waitFor(child, 'listening', () => port > 0, 30_000)
    const url = `ws://127.0.0.1:${port}/`
    let deliveries = 0
    const count = (d: string) => {
      if (d.startsWith('{"type":"engagement.events"')) deliveries++
    }
    const receivers: Array<[string[]]> = [
      ...topo.agents.filter((a) => a.hasSecondSession).map((a) => [a.engagementIds] as [string[]]),
      ...topo.watchers.map((w) => [w.engagementIds] as [string[]]),
      ...topo.supervisors.map((s) => [[`board:${s.accountId}`]] as [string[]]),
    ]
    sockets.push(...await mapLimit(receivers, 100, ([t]) => open(url, t, count)))
    const publishers = await mapLimit(topo.agents, 100, async (a) => {
      const ws = await open(url, a.engagementIds, count)
      sockets.push(ws)
      return { a, ws }
    })

    const ack = new Samples()
    let ops = 0
    let stop = false
    let frameBytes = 0
    const meter = new CpuMeter([child.pid])
    const t0 = performance.now()
    const loops = publishers.map(({ a, ws }) => new Promise<void>((resolve) => {
      const engagementId = a.engagementIds[0]!
      let sentAt = 0
      const sendOne = () => {
        if (stop) return resolve()
        sentAt = performance.now()
        const frame = JSON.stringify({
          type: 'doc.update', opId: uuidv7(), engagementId, update: opts.update, accountId: a.accountId, actorId: a.userId,
        })
        frameBytes = frame.length
        ws.send(frame)
      }
      ws.on('message', (d) => {
        if (!d.toString().startsWith('{"type":"ack"')) return
        ack.add(performance.now() - sentAt)
        ops++
        sendOne()
      })
      ws.once('close', () => resolve())
      sendOne()
    }))
    deliveries = 0
    await sleep(opts.seconds * 1000)
    stop = true
    const elapsed = (performance.now() - t0) / 1000
    const doneOps = ops
    const doneDeliveries = deliveries
    const cpu = meter.read()
    await Promise.race([Promise.all(loops), sleep(2000)])
    return {
      connections: sockets.length,
      publishers: publishers.length,
      seconds: Math.round(elapsed * 10) / 10,
      ops: doneOps,
      opsPerSecond: Math.round(doneOps / elapsed),
      deliveries: doneDeliveries,
      deliveriesPerSecond: Math.round(doneDeliveries / elapsed),
      fanoutPerOp: doneOps > 0 ? Math.round((doneDeliveries / doneOps) * 100) / 100 : 0,
      frameBytes,
      ackLatencyMs: ack.summary(),
      serverCpuPct: cpu.serverPct[0] ?? 0,
      serverPeakRssKb: peakRssKb(child.pid),
      generatorCpuPct: cpu.generatorPct,
      machineCpuPct: cpu.machinePct,
    }
  } finally {
    for (const ws of sockets) ws.terminate()
    await child.stop()
  }
}
