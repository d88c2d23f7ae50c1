/**
 * `npm run bench -- --profile authz [--changes N]`: how long a role change takes to reach an open
 * socket on another node (live authorization, apps/server/src/auth/live.ts).
 *
 * Two server nodes on a throwaway database. A supervisor holds, on node B, a board socket (opened
 * again before every demotion) and an agent-surface socket (open throughout). An admin changes the
 * supervisor's role through node A's REST API, alternating demotion and promotion, N changes in
 * all. Measured from just before the `PUT /api/admin/users/:id/role` request is sent:
 *   - demotion → the board socket closed with 4003 FORBIDDEN (the new state of a socket that held
 *     what the new role may not have);
 *   - every change → the `role-changed` notice on the agent-surface socket (a socket that stays open
 *     and follows the new role from its next message);
 *   - the PUT's own answer, for scale.
 * Prints a markdown report and writes it with a JSON twin to bench-results/.
 */
import { randomUUID } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import WebSocket from 'ws'
import { CLOSE, messagesOf, PROTOCOL_VERSION } from '@switchboard/protocol'
import { cleanup, installExitHandlers, onCleanup } from './cleanup.ts'
import { Samples, type Summary } from './hist.ts'
import type { Options } from './options.ts'
import { createThrowawayDb, serverVersion } from './pgdb.ts'
import { startServers } from './servers.ts'

const ACCOUNT = 'bench-authz'
const log = (line: string) => process.stderr.write(`[bench authz ${new Date().toISOString().slice(11, 19)}] ${line}\n`)

/** A raw socket that records close and notices with the time they arrived. */
class Probe {
  readonly ws: WebSocket
  closedAt: number | null = null
  closeCode: number | null = null
  welcomed = false
  boardSnapshot = false
  readonly notices: number[] = []
  readonly #waiters: Array<() => void> = []

  constructor(url: string, token: string, origin: string) {
    this.ws = new WebSocket(`${url}?token=${encodeURIComponent(token)}`, { origin, perMessageDeflate: false })
    this.ws.on('message', (data) => {
      // Protocol 5: one `batch` frame may carry several messages.
      for (const m of messagesOf(JSON.parse(String(data)) as { type: string; code?: string })) {
        if (m.type === 'notice' && m.code === 'role-changed') this.notices.push(performance.now())
        if (m.type === 'welcome') this.welcomed = true
        if (m.type === 'board.snapshot') this.boardSnapshot = true
      }
      this.#wake()
    })
    this.ws.on('close', (code) => {
      this.closedAt = performance.now()
      this.closeCode = code
      this.#wake()
    })
    this.ws.on('error', () => {})
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w()
  }

  /** Resolves when `check` holds (re-checked on every frame and on close), rejects after `ms`. */
  until<T>(check: () => T | null, ms = 10_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out')), ms)
      const test = (): void => {
        const v = check()
        if (v !== null) {
          clearTimeout(timer)
          resolve(v)
        } else this.#waiters.push(test)
      }
      test()
    })
  }

  async open(surface: 'agent' | 'supervisor', board: boolean): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.ws.once('open', () => resolve())
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)))
    })
    this.ws.send(JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: randomUUID(), surface }))
    await this.until(() => (this.welcomed ? true : null))
    if (board) {
      this.ws.send(JSON.stringify({ type: 'board.subscribe' }))
      await this.until(() => (this.boardSnapshot ? true : null))
    }
  }
}

async function devSignIn(origin: string, userId: string, role: string): Promise<string> {
  const res = await fetch(`${origin}/api/dev/sign-in`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ accountId: ACCOUNT, userId, role, displayName: userId }),
  })
  if (!res.ok) throw new Error(`dev sign-in ${userId}: HTTP ${res.status}`)
  return res.headers.get('set-cookie')!.split(';')[0]!
}

export interface AuthzReport {
  date: string
  nodes: 2
  changes: number
  machine: { nproc: number; loadAverage: number; postgres: string }
  /** demotion (PUT sent) → the board socket on the other node closed with 4003 */
  demotionToClose: Summary
  /** any change (PUT sent) → the role-changed notice on the other node's open agent socket */
  changeToNotice: Summary
  /** the PUT's own answer */
  putAnswer: Summary
  wrongCloseCodes: number
}

function row(name: string, s: Summary): string {
  return `| ${name} | ${s.count} | ${s.p50} | ${s.p95} | ${s.p99} | ${s.max} |`
}

export function renderAuthz(r: AuthzReport): string {
  return [
    `# Live authorization: role change → socket state (${r.date})`,
    '',
    `Two nodes on one Postgres (${r.machine.postgres}), ${r.machine.nproc} cores, load average ${r.machine.loadAverage}. `
      + `${r.changes} role changes through node A's REST API (alternating demotion and promotion), sockets on node B.`,
    '',
    '| from the PUT being sent to … (ms) | n | p50 | p95 | p99 | max |',
    '| --- | --- | --- | --- | --- | --- |',
    row('demotion: the board socket closed 4003', r.demotionToClose),
    row('any change: role-changed notice on the open agent socket', r.changeToNotice),
    row('the PUT answered', r.putAnswer),
    '',
    r.wrongCloseCodes > 0 ? `**${r.wrongCloseCodes} board sockets closed with another code than 4003.**` : 'Every demoted board socket closed with 4003.',
    '',
  ].join('\n')
}

export async function runAuthz(opts: Options, changes: number): Promise<number> {
  installExitHandlers(10 * 60_000)
  const db = await createThrowawayDb(opts.adminUrl)
  log(`database ${db.name}, ${changes} role changes on 2 nodes`)
  // This measures propagation, not the REST limits: raise the per-user limit (documented).
  const servers = await startServers({
    count: 2, databaseUrl: db.url, cpuProf: false, dist: opts.serverDist,
    extraEnv: { RATE_LIMIT_USER_PER_MINUTE: '1000000' },
  })
  onCleanup('stop servers', () => servers.stop())
  const [a, b] = servers.nodes as [typeof servers.nodes[number], typeof servers.nodes[number]]
  const admin = await devSignIn(a.url, 'authz-admin', 'admin')
  const sup = await devSignIn(a.url, 'authz-sup', 'supervisor')
  const me = await fetch(`${a.url}/api/session`, { headers: { cookie: sup } })
  const { wsToken } = await me.json() as { wsToken: string }

  const setRole = async (role: string): Promise<number> => {
    const res = await fetch(`${a.url}/api/admin/users/authz-sup/role`, {
      method: 'PUT', headers: { 'content-type': 'application/json', cookie: admin }, body: JSON.stringify({ role }),
    })
    await res.arrayBuffer()
    if (!res.ok) throw new Error(`PUT role ${role}: HTTP ${res.status}`)
    return performance.now()
  }

  const follower = new Probe(b.wsUrl, wsToken, b.url)
  await follower.open('agent', false)
  const toClose = new Samples()
  const toNotice = new Samples()
  const put = new Samples()
  let wrong = 0
  for (let i = 0; i < changes; i++) {
    const demote = i % 2 === 0
    const board = demote ? new Probe(b.wsUrl, wsToken, b.url) : null
    await board?.open('supervisor', true)
    const notices = follower.notices.length
    const t0 = performance.now()
    const answered = await setRole(demote ? 'agent' : 'supervisor')
    put.add(answered - t0)
    const noticed = await follower.until(() => follower.notices[notices] ?? null)
    toNotice.add(noticed - t0)
    if (board) {
      const closed = await board.until(() => board.closedAt)
      toClose.add(closed - t0)
      if (board.closeCode !== CLOSE.FORBIDDEN) wrong++
    }
    if ((i + 1) % 20 === 0) log(`${i + 1}/${changes} changes`)
  }
  follower.ws.close()

  const report: AuthzReport = {
    date: new Date().toISOString(),
    nodes: 2,
    changes,
    machine: { nproc: cpus().length, loadAverage: Math.round(loadavg()[0]! * 100) / 100, postgres: await serverVersion(db.url) },
    demotionToClose: toClose.summary(),
    changeToNotice: toNotice.summary(),
    putAnswer: put.summary(),
    wrongCloseCodes: wrong,
  }
  const md = renderAuthz(report)
  process.stdout.write(`${md}\n`)
  mkdirSync(opts.outDir, { recursive: true })
  const base = join(opts.outDir, `${report.date.replace(/[:]/g, '-').replace(/\..*$/, '')}-authz-2n`)
  writeFileSync(`${base}.md`, md)
  writeFileSync(`${base}.json`, JSON.stringify(report, null, 2))
  log(`wrote ${base}.md`)
  await cleanup()
  return wrong === 0 ? 0 : 1
}
