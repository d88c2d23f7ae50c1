/**
 * Who is who in a run: accounts, agents with their engagements, second sessions, supervisors
 * on boards and engagement watchers. Shared by the Switchboard run and the raw ws baseline so
 * both carry the same connections and fan-out.
 */
import { randomBytes } from 'node:crypto'
import type { Profile } from './options.ts'
import { rng } from '../../apps/web/src/supervisor/bench/synthetic.ts'

export interface AgentSpec {
  index: number
  accountId: string
  userId: string
  name: string
  engagementIds: string[]
  hasSecondSession: boolean
}

export interface SupervisorSpec {
  index: number
  accountId: string
  userId: string
  name: string
}

export interface WatcherSpec extends SupervisorSpec {
  engagementIds: string[]
}

export interface Topology {
  runId: string
  accounts: string[]
  agents: AgentSpec[]
  supervisors: SupervisorSpec[]
  watchers: WatcherSpec[]
  /** engagementId -> watcher indexes subscribed to it */
  watchersOf: Map<string, number[]>
  boardsPerAccount: Map<string, number>
}

// Deterministic pseudo-random numbers (mulberry32, the supervisor scale harness's) so a topology is reproducible from its seed.
export { rng }

export function engagementId(runId: string, agent: number, n: number): string {
  return `eng-${runId}-${agent}-${n}`
}

export function buildTopology(p: Profile, seed = 1): Topology {
  const rand = rng(seed)
  const runId = randomBytes(3).toString('hex')
  const accounts = Array.from({ length: p.accounts }, (_x, i) => `acc-bench-${runId}-${i}`)
  const secondEvery = p.secondSessionShare > 0 ? Math.round(1 / p.secondSessionShare) : Infinity
  const agents: AgentSpec[] = Array.from({ length: p.agents }, (_, i) => ({
    index: i,
    accountId: accounts[i % accounts.length]!,
    userId: `agent-${runId}-${i}`,
    name: `Agent ${i}`,
    engagementIds: Array.from({ length: p.engagementsPerAgent }, (_y, k) => engagementId(runId, i, k)),
    hasSecondSession: i % secondEvery === 0,
  }))
  const supervisors: SupervisorSpec[] = Array.from({ length: p.supervisors }, (_, i) => ({
    index: i,
    accountId: accounts[i % accounts.length]!,
    userId: `sup-${runId}-${i}`,
    name: `Supervisor ${i}`,
  }))
  const boardsPerAccount = new Map<string, number>()
  for (const s of supervisors) boardsPerAccount.set(s.accountId, (boardsPerAccount.get(s.accountId) ?? 0) + 1)
  const watchersOf = new Map<string, number[]>()
  if (p.watchAll) {
    // Every engagement watched by exactly one supervisor, `watchEach` engagements per supervisor.
    const watchers: WatcherSpec[] = []
    for (const accountId of accounts) {
      const ids = agents.filter((a) => a.accountId === accountId).flatMap((a) => a.engagementIds)
      for (let k = 0; k < ids.length; k += p.watchEach) {
        const i = watchers.length
        const engagementIds = ids.slice(k, k + p.watchEach)
        for (const e of engagementIds) watchersOf.set(e, [i])
        watchers.push({ index: i, accountId, userId: `watch-${runId}-${i}`, name: `Watcher ${i}`, engagementIds })
      }
    }
    return { runId, accounts, agents, supervisors, watchers, watchersOf, boardsPerAccount }
  }
  const watchers: WatcherSpec[] = Array.from({ length: p.watchers }, (_, i) => {
    const accountId = accounts[i % accounts.length]!
    const pool = agents.filter((a) => a.accountId === accountId)
    const engagementIds = new Set<string>()
    for (let tries = 0; engagementIds.size < Math.min(p.watchEach, pool.length * p.engagementsPerAgent) && tries < 10_000; tries++) {
      const a = pool[Math.floor(rand() * pool.length)]!
      engagementIds.add(a.engagementIds[Math.floor(rand() * a.engagementIds.length)]!)
    }
    for (const e of engagementIds) {
      const list = watchersOf.get(e) ?? []
      list.push(i)
      watchersOf.set(e, list)
    }
    return { index: i, accountId, userId: `watch-${runId}-${i}`, name: `Watcher ${i}`, engagementIds: [...engagementIds] }
  })
  return { runId, accounts, agents, supervisors, watchers, watchersOf, boardsPerAccount }
}
