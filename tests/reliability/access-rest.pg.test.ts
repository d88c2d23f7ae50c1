/**
 * Scenario 5b, the REST access matrix: every route the running app serves (read from
 * `printRoutes`, so a new route without an entry here fails) × caller (anonymous, the agent, a
 * colleague, a supervisor, an admin, another account's supervisor), and × target where the route
 * names one. Allowed cells answer 2xx and show only what the caller may see; refused ones answer
 * the documented code with its documented status and change nothing; every answer, errors
 * included, carries the four headers Zoom requires.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ERRORS } from '@switchboard/protocol'
import { newSessionId, signToken } from '../../apps/server/src/auth/session-token.ts'
import { cleanup } from '../bench/cleanup.ts'
import { ACC1, ACC2, CALLERS, PEOPLE, TARGETS, type Caller, type SignedIn, type Target } from './lib/access.ts'
import { createRelDb, writeCounts, type RelDb } from './lib/db.ts'
import { record } from './lib/mode.ts'
import { routeTable, startInProcess, type InProcess } from './lib/inproc.ts'
import { RawClient, opId, wsTokenFor } from './lib/raw-client.ts'

let db: RelDb
let srv: InProcess
const ZOOM_HEADERS = ['strict-transport-security', 'x-content-type-options', 'referrer-policy', 'content-security-policy']
const isSup = (c: Caller) => c !== 'anonymous' && PEOPLE[c].role !== 'agent'
const isAdmin = (c: Caller) => c !== 'anonymous' && PEOPLE[c].role === 'admin'
/** Engagement ids per owner, made in beforeAll. */
const ENG = { own: 'am-rest-own', colleague: 'am-rest-colleague', foreign: 'am-rest-foreign' } as const

beforeAll(async () => {
  db = await createRelDb()
  srv = await startInProcess(db)
  await db.seed([
    ...Object.values(PEOPLE).map((p) => ({ accountId: p.accountId, id: p.userId, name: p.userId, role: p.role })),
    { accountId: ACC1, id: 'am-victim', name: 'victim', role: 'agent' as const },
    { accountId: ACC2, id: 'am-victim2', name: 'victim2', role: 'agent' as const },
  ])
  for (const t of Object.keys(TARGETS) as Target[]) {
    const c = await RawClient.connect(srv.wsUrl, { token: wsTokenFor(srv.secret, PEOPLE[TARGETS[t]]) })
    const id = opId()
    c.send({ type: 'engagement.observe', opId: id, engagementId: ENG[t], at: Date.now(), context: { engagementId: ENG[t] }, status: { state: 'active' } })
    await c.reply(id)
    c.close()
  }
}, 120_000)

afterAll(async () => {
  await cleanup()
}, 60_000)

interface Res { status: number; code: string | null; body: string; headers: Headers }

async function call(method: string, path: string, caller: Caller, body?: unknown): Promise<Res> {
  const headers: Record<string, string> = { accept: path.startsWith('/api') ? 'application/json' : 'text/html' }
  if (caller !== 'anonymous') {
    const p = PEOPLE[caller]
    const now = Date.now()
    headers['cookie'] = `sb_session=${signToken(srv.secret, { k: 'session', sid: newSessionId(), sub: p.userId, acc: p.accountId, role: p.role, name: p.userId, cred: 'dev-signin', iat: now, exp: now + 600_000 })}`
  }
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(`${srv.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), redirect: 'manual' })
  const text = await res.text()
  let code: string | null = null
  try {
    code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? null
  } catch {
    // not JSON
  }
  return { status: res.status, code, body: text, headers: res.headers }
}

type Expect = number | keyof typeof ERRORS
interface Cell { route: string; caller: Caller; target: string; expected: Expect; got: string; problem: string }

const AUTH: Expect = 'UNAUTHENTICATED'
const signedIn = (c: Caller): Expect => (c === 'anonymous' ? AUTH : 200)
const supervisorOnly = (c: Caller): Expect => (c === 'anonymous' ? AUTH : isSup(c) ? 200 : 'FORBIDDEN')
const adminOnly = (c: Caller): Expect => (c === 'anonymous' ? AUTH : isAdmin(c) ? 200 : 'FORBIDDEN')
const canRead = (c: Caller, t: Target) => c !== 'anonymous' && PEOPLE[c].accountId === PEOPLE[TARGETS[t]].accountId && (isSup(c) || PEOPLE[c].userId === PEOPLE[TARGETS[t]].userId)
const visibleIds = (c: SignedIn) => (Object.keys(ENG) as Target[]).filter((t) => canRead(c, t)).map((t) => ENG[t])

async function settings(): Promise<string> {
  const r = await db.pool.query<{ id: string; settings: unknown }>('select id, settings from accounts order by id')
  return JSON.stringify(r.rows)
}

async function engagements(): Promise<string> {
  const r = await db.pool.query<{ account_id: string; id: string; last_seq: string }>('select account_id, id, last_seq from engagements order by account_id, id')
  return JSON.stringify(r.rows)
}

async function roles(): Promise<string> {
  const r = await db.pool.query<{ account_id: string; id: string; role: string }>('select account_id, id, role from users order by account_id, id')
  return JSON.stringify(r.rows)
}

/**
 * One entry per route the app serves. `check` returns a problem for a 2xx answer whose content
 * the caller may not see (empty when fine); `state` is what a refused call must leave unchanged.
 */
interface Entry {
  path: (t: Target) => string
  targets?: readonly Target[]
  expect: (c: Caller, t: Target) => Expect
  body?: unknown
  check?: (c: SignedIn, r: Res, t: Target) => string
  state?: () => Promise<string>
}

const listCheck = (c: SignedIn, r: Res) => {
  const leaked = Object.values(ENG).filter((id) => r.body.includes(id) && !visibleIds(c).includes(id))
  const missing = visibleIds(c).filter((id) => !r.body.includes(id))
  return [leaked.length ? `leaked ${leaked}` : '', missing.length ? `missing ${missing}` : ''].filter(Boolean).join('; ')
}

const ENTRIES: Record<string, Entry> = {
  'GET /healthz': { path: () => '/healthz', expect: () => 200 },
  'GET /readyz': { path: () => '/readyz', expect: () => 200 },
  // Public by design today (see docs/reliability.md): no secrets, but node ids and counts.
  'GET /metrics': { path: () => '/metrics', expect: () => 200 },
  // A plain HTTP GET of the socket route: refused before any upgrade.
  'GET /ws': { path: () => '/ws', expect: (c) => (c === 'anonymous' ? AUTH : 'ROUTE_NOT_FOUND') },
  'POST /api/session': { path: () => '/api/session', body: { context: 'not-a-zoom-context' }, expect: () => 'INVALID_APP_CONTEXT', state: roles },
  'GET /api/session': {
    path: () => '/api/session', expect: signedIn,
    check: (c, r) => ((JSON.parse(r.body) as { user: { id: string } }).user.id === PEOPLE[c].userId ? '' : 'another user'),
  },
  'DELETE /api/session': { path: () => '/api/session', expect: () => 204 },
  'GET /api/dev/status': { path: () => '/api/dev/status', expect: () => 200 },
  // Dev sign-in is open to anyone by design while AUTH_MODE=dev (never in production).
  'POST /api/dev/sign-in': { path: () => '/api/dev/sign-in', body: { accountId: ACC1, userId: 'am-devsignin', role: 'agent' }, expect: () => 200 },
  'GET /api/engagements': { path: () => '/api/engagements', expect: signedIn, check: listCheck },
  'GET /api/engagements/export.csv': { path: () => '/api/engagements/export.csv', expect: signedIn, check: listCheck },
  'GET /api/engagements.csv': { path: () => '/api/engagements.csv', expect: signedIn, check: listCheck },
  'GET /api/engagements/:engagementId': {
    path: (t) => `/api/engagements/${ENG[t]}`, targets: ['own', 'colleague', 'foreign'],
    expect: (c, t) => (c === 'anonymous' ? AUTH : canRead(c, t) ? 200 : 'NOT_FOUND'),
    check: (_c, r, t) => (r.body.includes(ENG[t]) ? '' : 'wrong engagement'),
  },
  'GET /api/settings/thresholds': { path: () => '/api/settings/thresholds', expect: supervisorOnly },
  'PUT /api/settings/thresholds': {
    path: () => '/api/settings/thresholds', body: { handleMs: 1000, wrapupMs: 2000, inactiveMs: 3000 }, expect: supervisorOnly, state: settings,
  },
  'GET /api/settings/dispositions': { path: () => '/api/settings/dispositions', expect: signedIn },
  'GET /api/settings/account': { path: () => '/api/settings/account', expect: signedIn },
  'PUT /api/settings/account': { path: () => '/api/settings/account', body: { dispositions: ['Resolved', 'Escalated'] }, expect: supervisorOnly, state: settings },
  'GET /api/admin/users': {
    path: () => '/api/admin/users', expect: adminOnly,
    check: (c, r) => ((JSON.parse(r.body) as { items: Array<{ accountId: string }> }).items.every((u) => u.accountId === PEOPLE[c].accountId) ? '' : 'other account users'),
  },
  'PUT /api/admin/users/:userId/role': {
    path: (t) => `/api/admin/users/${t === 'foreign' ? 'am-victim2' : 'am-victim'}/role`, targets: ['own', 'foreign'], body: { role: 'agent' },
    expect: (c, t) => (c === 'anonymous' ? AUTH : !isAdmin(c) ? 'FORBIDDEN' : t === 'foreign' ? 'NOT_FOUND' : 200), state: roles,
  },
  'GET /api/admin/retention': { path: () => '/api/admin/retention', expect: adminOnly },
  'PUT /api/admin/retention': { path: () => '/api/admin/retention', body: { retentionDays: 400 }, expect: adminOnly, state: settings },
  'DELETE /api/admin/retention': { path: () => '/api/admin/retention', expect: adminOnly, state: settings },
  // Erasure is checked against another account's engagement: an admin of ours finds nothing there.
  'DELETE /api/admin/engagements/:engagementId': {
    path: (t) => `/api/admin/engagements/${ENG[t]}`, targets: ['foreign'],
    expect: (c) => (c === 'anonymous' ? AUTH : isAdmin(c) ? 'NOT_FOUND' : 'FORBIDDEN'), state: engagements,
  },
  'POST /api/admin/erasures': {
    path: () => '/api/admin/erasures', body: { consumerNumber: '+1 555 000 0000' }, expect: adminOnly, state: engagements,
    check: (_c, r) => ((JSON.parse(r.body) as { erasure: { engagements: number } }).erasure.engagements === 0 ? '' : 'erased something'),
  },
  'GET /api/admin/erasures': { path: () => '/api/admin/erasures', expect: adminOnly },
  'DELETE /api/admin/users/:userId': {
    path: (t) => `/api/admin/users/${t === 'foreign' ? 'am-victim2' : 'am-victim'}`, targets: ['own', 'foreign'],
    expect: (c, t) => (c === 'anonymous' ? AUTH : !isAdmin(c) ? 'FORBIDDEN' : t === 'foreign' ? 'NOT_FOUND' : 204), state: roles,
  },
  // In-client OAuth needs a session Zoom signed in (dev sign-in is not one); dev mode runs it
  // against the built-in Zoom stand-in.
  'POST /api/oauth/start': { path: () => '/api/oauth/start', expect: (c) => (c === 'anonymous' ? AUTH : 'FORBIDDEN') },
  'POST /api/oauth/complete': {
    path: () => '/api/oauth/complete', body: { code: 'c', state: 's', redirectUri: 'http://127.0.0.1:3999/' },
    expect: (c) => (c === 'anonymous' ? AUTH : 'FORBIDDEN'),
  },
  'GET /api/oauth/status': { path: () => '/api/oauth/status', expect: signedIn },
  'GET /api/client-config': { path: () => '/api/client-config', expect: () => 200 },
  // Dev mode only, open to anyone like dev sign-in (a made-up Zoom for the emulator).
  'POST /api/dev/zoom/app-context': { path: () => '/api/dev/zoom/app-context', body: { accountId: ACC1, userId: 'am-emulated' }, expect: () => 200 },
  'POST /api/dev/zoom/authorize': {
    path: () => '/api/dev/zoom/authorize', body: { accountId: ACC1, userId: 'am-emulated', codeChallenge: 'c'.repeat(43), redirectUri: 'http://127.0.0.1:3999/' },
    expect: () => 200,
  },
  // The Zoom stand-in answers in Zoom's own shapes: without the client's Basic auth or a token, 401.
  'POST /dev/zoom/oauth/token': { path: () => '/dev/zoom/oauth/token', body: { grant_type: 'authorization_code' }, expect: () => 401 },
  'GET /dev/zoom/v2/users/me': { path: () => '/dev/zoom/v2/users/me', expect: () => 401 },
  // Zoom's webhook receiver: this in-process server has no Secret Token, so it is off for everyone.
  'POST /api/zoom/webhooks': { path: () => '/api/zoom/webhooks', body: { event: 'x' }, expect: () => 'WEBHOOKS_DISABLED' },
  // Dev mode only: the emulator's signing token (none here; one an operator set is never given out).
  'GET /api/dev/zoom-webhooks': { path: () => '/api/dev/zoom-webhooks', expect: () => 200 },
  'GET /supervisor': { path: () => '/supervisor', expect: () => 200 },
  'GET /simulator': { path: () => '/simulator', expect: () => 200 },
  'GET *': { path: () => '/assets/app-abc123.js', expect: () => 200 },
}

describe('REST access matrix', () => {
  it('has an entry for every route the app serves', () => {
    const served = new Set(routeTable(srv.app).map((r) => `${r.method === 'HEAD' ? 'GET' : r.method} ${r.path}`))
    expect([...served].filter((k) => !(k in ENTRIES)).sort()).toEqual([])
    expect(Object.keys(ENTRIES).filter((k) => !served.has(k)).sort()).toEqual([])
  })

  it('every route × caller (× target): allowed cells see only theirs, refused ones get the documented code and change nothing', async () => {
    const cells: Cell[] = []
    const served = routeTable(srv.app)
    for (const [key, entry] of Object.entries(ENTRIES)) {
      const [method] = key.split(' ') as [string]
      const methods = served.some((r) => r.method === 'HEAD' && `GET ${r.path}` === key) ? [method, 'HEAD'] : [method]
      for (const m of methods) {
        for (const caller of CALLERS) {
          for (const target of entry.targets ?? (['own'] as const)) {
            const expected = entry.expect(caller, target)
            const before = entry.state ? await entry.state() : ''
            const counts = await writeCounts(db)
            const r = await call(m, entry.path(target), caller, m === 'HEAD' ? undefined : entry.body)
            const after = entry.state ? await entry.state() : ''
            const got = r.code ?? String(r.status)
            const problems: string[] = []
            if (typeof expected === 'number') {
              if (r.status !== expected) problems.push(`status ${r.status}`)
              else if (m !== 'HEAD' && entry.check && caller !== 'anonymous') problems.push(entry.check(caller, r, target))
            } else if (m === 'HEAD') {
              if (r.status !== ERRORS[expected].status) problems.push(`status ${r.status}`)
            } else if (r.code !== expected || r.status !== ERRORS[expected].status) {
              problems.push(`got ${r.status} ${r.code}`)
            }
            if (r.code !== null && !(r.code in ERRORS)) problems.push(`undocumented code ${r.code}`)
            if (typeof expected !== 'number' && (before !== after || JSON.stringify(counts) !== JSON.stringify(await writeCounts(db)))) problems.push('refused call changed state')
            const missing = ZOOM_HEADERS.filter((h) => !r.headers.has(h))
            if (missing.length) problems.push(`missing ${missing.join(',')}`)
            cells.push({ route: `${m} ${key.split(' ')[1]}`, caller, target: entry.targets ? target : '-', expected, got, problem: problems.filter(Boolean).join('; ') })
          }
        }
      }
    }
    const wrong = cells.filter((c) => c.problem !== '')
    record('access-rest', { cells: cells.length, routes: Object.keys(ENTRIES).length, wrong })
    expect(wrong).toEqual([])
  }, 120_000)
})
