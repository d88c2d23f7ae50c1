/** Command-line options and workload profiles of `npm run bench`. */
import { parseArgs } from 'node:util'

export interface Profile {
  name: string
  /** agents, each with `engagementsPerAgent` open engagements */
  agents: number
  engagementsPerAgent: number
  /** supervisors on boards (board.subscribe), spread evenly over the accounts */
  supervisors: number
  /** tenants; each supervisor board covers its account's engagements */
  accounts: number
  /** share of agents with a second session (same user, another client id) subscribed to their engagements */
  secondSessionShare: number
  /**
   * engagement watchers (supervisor-role connections with `subscribe`), each on `watchEach`
   * engagements; with `watchAll` as many as it takes to watch every engagement once
   */
  watchers: number
  watchEach: number
  /** seconds of the human-cadence phase (after warm-up) */
  loadSeconds: number
  warmupSeconds: number
  /** seconds of the closed-loop saturation phase and of each baseline */
  saturationSeconds: number
  baselineSeconds: number
  /** idle authenticated sockets opened to measure memory per connection */
  idleConnections: number
  /**
   * `human`: typing bursts and pauses, focus switches, status moves, finishing and taking the
   * next engagement (CADENCE). `steady`: every agent sends one `doc.update` of `STEADY.chars`
   * characters to its engagement every `STEADY.everyMs`, nothing else (the peer workload).
   */
  pattern: 'human' | 'steady'
  /** watchers cover every engagement exactly once (`watchEach` per watcher) instead of a random sample */
  watchAll: boolean
}

export type ProfileName = 'ci' | 'large' | 'soak' | 'peer'

export const PROFILES: Record<ProfileName, Profile> = {
  ci: {
    name: 'ci', agents: 100, engagementsPerAgent: 3, supervisors: 5, accounts: 1, secondSessionShare: 1,
    watchers: 5, watchEach: 10, loadSeconds: 40, warmupSeconds: 5, saturationSeconds: 10, baselineSeconds: 8,
    idleConnections: 2000, pattern: 'human', watchAll: false,
  },
  large: {
    name: 'large', agents: 2000, engagementsPerAgent: 3, supervisors: 50, accounts: 10, secondSessionShare: 0.5,
    watchers: 50, watchEach: 10, loadSeconds: 60, warmupSeconds: 10, saturationSeconds: 15, baselineSeconds: 10,
    idleConnections: 5000, pattern: 'human', watchAll: false,
  },
  soak: {
    name: 'soak', agents: 500, engagementsPerAgent: 3, supervisors: 10, accounts: 2, secondSessionShare: 0.5,
    watchers: 10, watchEach: 10, loadSeconds: 30 * 60, warmupSeconds: 10, saturationSeconds: 0, baselineSeconds: 0,
    idleConnections: 0, pattern: 'human', watchAll: false,
  },
  /**
   * P(A), the workload measured from outside against the alternatives a user would pick: A
   * engagements, one agent typing a 20-character Yjs insert into each at 2 ops/s, two watchers
   * per engagement (the agent's second session, and a supervisor subscribed to it: one supervisor
   * watches `watchEach` engagements), 20 s measured, no boards. `watchers` follows `--agents`.
   */
  peer: {
    name: 'peer', agents: 1000, engagementsPerAgent: 1, supervisors: 0, accounts: 5, secondSessionShare: 1,
    watchers: 0, watchEach: 10, loadSeconds: 20, warmupSeconds: 5, saturationSeconds: 10, baselineSeconds: 8,
    idleConnections: 2000, pattern: 'steady', watchAll: true,
  },
}

/** The peer workload's typing: one insert of `chars` characters per agent every `everyMs`. */
export const STEADY = { chars: 20, everyMs: 500 } as const

/** Human cadence: keystroke groups every 150–300 ms while typing, one doc.update per 200 ms. */
export const CADENCE = {
  keyMinMs: 150,
  keyMaxMs: 300,
  flushMs: 200,
  burstMinMs: 2_000,
  burstMaxMs: 6_000,
  pauseMinMs: 2_000,
  pauseMaxMs: 8_000,
  /** focus switch / status move / finish-and-take-next, every 15–40 s per agent */
  moveMinMs: 15_000,
  moveMaxMs: 40_000,
} as const

export interface Options {
  profile: Profile
  nodes: 1 | 2
  soak: boolean
  soakMinutes: number
  cpuProf: boolean
  skipBaselines: boolean
  skipIdle: boolean
  /** only the two baselines, no Switchboard server */
  baselinesOnly: boolean
  databaseUrl: string | undefined
  adminUrl: string
  outDir: string
  /** run the server from `apps/server/dist/server.js` instead of the TypeScript source */
  serverDist: boolean
  /** focus and type into a new engagement only after its observe is acked (the agent app does not wait) */
  awaitOpen: boolean
  /** signed Zoom webhooks per second during the cadence phase (webhook → board latency); 0 = none */
  webhooksPerSecond: number
  /** `--profile authz`: role change → socket state on two nodes (authz.ts), this many changes */
  authzChanges: number | null
}

const USAGE = `usage: npm run bench -- [--profile ci|large|peer|authz] [--nodes 1|2] [--soak [--minutes N]] [--changes N (authz)]
       [--agents N] [--watch-each N] [--seconds N] [--cpu-prof] [--no-baselines] [--no-idle] [--baselines-only] [--dist] [--await-open] [--webhooks N] [--out DIR]
env: DATABASE_URL (use this database instead of a throwaway one),
     BENCH_PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres)`

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      profile: { type: 'string', default: 'ci' },
      nodes: { type: 'string', default: '1' },
      soak: { type: 'boolean', default: false },
      minutes: { type: 'string' },
      agents: { type: 'string' },
      'watch-each': { type: 'string' },
      seconds: { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      'no-baselines': { type: 'boolean', default: false },
      'no-idle': { type: 'boolean', default: false },
      'baselines-only': { type: 'boolean', default: false },
      dist: { type: 'boolean', default: false },
      'await-open': { type: 'boolean', default: false },
      webhooks: { type: 'string' },
      changes: { type: 'string' },
      out: { type: 'string', default: 'bench-results' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  })
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    process.exit(0)
  }
  const fail = (msg: string): never => {
    process.stderr.write(`bench: ${msg}\n${USAGE}\n`)
    process.exit(2)
  }
  const authz = values.profile === 'authz'
  const name = values.soak ? 'soak' : authz ? 'ci' : values.profile
  if (!(name in PROFILES)) fail(`unknown profile "${values.profile}"`)
  const profile = { ...PROFILES[name as ProfileName] }
  const nodes = Number(values.nodes)
  if (nodes !== 1 && nodes !== 2) fail('--nodes must be 1 or 2')
  const int = (v: string | undefined, what: string, min: number, max: number): number | undefined => {
    if (v === undefined) return undefined
    const n = Number(v)
    if (!Number.isInteger(n) || n < min || n > max) fail(`${what} must be an integer in ${min}..${max}`)
    return n
  }
  const soakMinutes = int(values.minutes, '--minutes', 1, 24 * 60) ?? 30
  if (values.soak) profile.loadSeconds = soakMinutes * 60
  const agents = int(values.agents, '--agents', 1, 10_000)
  if (agents !== undefined) profile.agents = agents
  const seconds = int(values.seconds, '--seconds', 5, 24 * 3600)
  if (seconds !== undefined) profile.loadSeconds = seconds
  const watchEach = int(values['watch-each'], '--watch-each', 1, 1000)
  if (watchEach !== undefined) profile.watchEach = watchEach
  // 200 agents per account; every engagement watched once, `watchEach` per watcher (buildTopology).
  if (profile.watchAll) profile.accounts = Math.max(1, Math.ceil(profile.agents / 200))
  profile.accounts = Math.max(1, Math.min(profile.accounts, profile.agents))
  return {
    profile,
    nodes: nodes as 1 | 2,
    soak: values.soak,
    soakMinutes,
    cpuProf: values['cpu-prof'],
    skipBaselines: values['no-baselines'] || values.soak,
    skipIdle: values['no-idle'] || values.soak,
    baselinesOnly: values['baselines-only'],
    databaseUrl: process.env.DATABASE_URL || undefined,
    adminUrl: process.env.BENCH_PG_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    outDir: values.out,
    serverDist: values.dist,
    awaitOpen: values['await-open'],
    // A soak measures memory over time; webhooks there would grow the board without end.
    webhooksPerSecond: int(values.webhooks, '--webhooks', 0, 1000) ?? (values.soak ? 0 : 10),
    authzChanges: authz ? int(values.changes, '--changes', 2, 100_000) ?? 200 : null,
  }
}
