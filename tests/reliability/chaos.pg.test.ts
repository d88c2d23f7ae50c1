/**
 * Scenario 1, connection chaos: under load every client socket (agents, their second sessions,
 * supervisors on boards and watching every engagement) is cut at random (TCP reset, no close
 * handshake) and reconnects to either node. Every acked op is stored, every stored row reaches
 * every subscriber, every session's notes converge to the stored doc. Reports reconnect and
 * catch-up times. Short: ~20 s of load, a cut every ~3 s per socket; long: 5 min, every ~15 s.
 */
import { describe, expect, it } from 'vitest'
import { rng } from '../bench/topology.ts'
import { sleep } from '../bench/limit.ts'
import { clusterForFile } from './lib/fixture.ts'
import { LONG, SEED, log, pick, record } from './lib/mode.ts'
import { audit, problems } from './lib/verify.ts'
import { accountWorkload, type Workload } from './lib/workload.ts'

const P = pick(
  { agents: 12, engagements: 2, watchers: 2, tickMs: 200, loadS: 20, meanCloseMs: 3_000 },
  { agents: 40, engagements: 3, watchers: 4, tickMs: 250, loadS: 300, meanCloseMs: 15_000 },
)

let w: Workload | undefined

const fx = clusterForFile([{ nodeId: 'chaos-a' }, { nodeId: 'chaos-b' }], () => w?.close())

describe('connection chaos', () => {
  it('loses nothing acked and converges every session while sockets are cut at random', async () => {
    w = await accountWorkload(fx.cluster, fx.db, P, { seed: SEED, routing: 'random' })
    log(`chaos: ${w.sessions.length} sessions, ${P.agents * P.engagements} engagements, ${P.loadS} s`)
    const rand = rng(SEED + 1)
    const next = new Map(w.sessions.map((s) => [s, performance.now() + rand() * P.meanCloseMs * 2]))
    w.start()
    const end = performance.now() + P.loadS * 1000
    while (performance.now() < end) {
      const now = performance.now()
      for (const [s, at] of next) {
        if (now < at) continue
        s.forceClose()
        next.set(s, now + (0.5 + rand()) * P.meanCloseMs)
      }
      await sleep(50)
    }
    w.stop()
    const drained = await w.drain(60_000)
    const a = await audit(w, fx.db, { endpoint: fx.cluster.nodes[0]! })
    const crashed = fx.cluster.nodes.filter((n) => !n.running).map((n) => `${n.nodeId}: ${n.tail()}`)
    record('chaos', {
      params: P, drained, ...a,
      divergent: a.divergent.slice(0, 20), ackedNotStored: a.ackedNotStored.slice(0, 20),
      nodesPerSession: w.sessions.map((s) => s.nodesSeen.size).reduce((x, y) => x + y, 0) / w.sessions.length,
    })
    expect(crashed).toEqual([])
    expect(drained).toEqual({ open: true, pending: 0 })
    expect(a.forcedCloses).toBeGreaterThan(w.sessions.length * (LONG ? 10 : 3))
    expect(problems(a)).toEqual([])
    expect(a.catchUpMs.n).toBeGreaterThan(0)
  }, pick(170_000, 900_000))
})
