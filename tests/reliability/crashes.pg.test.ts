/**
 * Scenario 2, server crashes: two nodes on one Postgres under load; a node is SIGKILLed at a
 * random moment (no drain, no goodbye) and restarted on the same port, 2 times in CI and 10 in
 * the long run. Zero acked ops lost; unacked ops are resent by the clients and applied once (no
 * op id twice in the log, no doubled text); clients of the killed node resume on either node.
 */
import { describe, expect, it } from 'vitest'
import { sleep } from '../bench/limit.ts'
import { rng } from '../bench/topology.ts'
import { clusterForFile } from './lib/fixture.ts'
import { SEED, log, pick, record } from './lib/mode.ts'
import { audit, problems, quantiles } from './lib/verify.ts'
import { accountWorkload, type Workload } from './lib/workload.ts'

const P = pick(
  { agents: 10, engagements: 2, watchers: 2, tickMs: 200, kills: 2, gapMinS: 4, gapMaxS: 8 },
  { agents: 30, engagements: 3, watchers: 4, tickMs: 250, kills: 10, gapMinS: 10, gapMaxS: 40 },
)

let w: Workload | undefined

const fx = clusterForFile([{ nodeId: 'crash-a' }, { nodeId: 'crash-b' }], () => w?.close())

describe('server crashes', () => {
  it('keeps every acked op and applies resent ones once while nodes are SIGKILLed and restarted', async () => {
    w = await accountWorkload(fx.cluster, fx.db, P, { seed: SEED, routing: 'random' })
    const rand = rng(SEED + 2)
    w.start()
    const kills: Array<{ node: string; sessionsOnIt: number; unackedAtKill: number; resumedOnOther: number; resumedOnSame: number; restartMs: number }> = []
    for (let k = 0; k < P.kills; k++) {
      await sleep((P.gapMinS + rand() * (P.gapMaxS - P.gapMinS)) * 1000)
      // The node serving the most sessions (a crash of an idle node would prove little); ties at random.
      const load = (n: (typeof fx.cluster.nodes)[number]) => w!.sessions.filter((s) => s.client.state === 'open' && s.nodeId === n.nodeId).length
      const node = [...fx.cluster.nodes].sort((x, y) => load(y) - load(x) || rand() - 0.5)[0]!
      const victims = w.sessions.filter((s) => s.client.state === 'open' && s.nodeId === node.nodeId)
      const unackedAtKill = w.agents.filter((x) => x.primary.nodeId === node.nodeId).reduce((n, x) => n + x.primary.client.pending, 0)
      const welcomesBefore = new Map(victims.map((s) => [s, s.welcomes]))
      log(`crash ${k + 1}/${P.kills}: SIGKILL ${node.nodeId} (pid ${node.pid}, ${victims.length} sessions)`)
      await node.kill()
      await sleep(200 + rand() * 1500)
      const t0 = performance.now()
      await node.start()
      const restartMs = Math.round(performance.now() - t0)
      // Every victim is back (on whichever node its reconnect reached) before the next crash.
      const until = Date.now() + 30_000
      while (Date.now() < until && victims.some((s) => s.welcomes === welcomesBefore.get(s) || s.client.state !== 'open')) await sleep(100)
      kills.push({
        node: node.nodeId, sessionsOnIt: victims.length, unackedAtKill, restartMs,
        resumedOnOther: victims.filter((s) => s.welcomes > welcomesBefore.get(s)! && s.nodeId !== node.nodeId).length,
        resumedOnSame: victims.filter((s) => s.welcomes > welcomesBefore.get(s)! && s.nodeId === node.nodeId).length,
      })
    }
    await sleep(2_000)
    w.stop()
    const drained = await w.drain(60_000)
    const a = await audit(w, fx.db, { endpoint: fx.cluster.nodes[0]! })
    record('crashes', {
      params: P, drained, kills, crashesSurvived: kills.length, ...a,
      reconnectMs: quantiles(w.sessions.flatMap((s) => s.reconnectMs)),
      divergent: a.divergent.slice(0, 20), ackedNotStored: a.ackedNotStored.slice(0, 20),
    })
    expect(fx.cluster.nodes.every((n) => n.running)).toBe(true)
    expect(kills).toHaveLength(P.kills)
    for (const k of kills) expect(k.resumedOnOther + k.resumedOnSame).toBe(k.sessionsOnIt)
    expect(drained).toEqual({ open: true, pending: 0 })
    expect(problems(a)).toEqual([])
  }, pick(170_000, 1_500_000))
})
