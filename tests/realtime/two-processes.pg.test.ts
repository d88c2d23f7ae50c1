/**
 * Two real server processes on one Postgres (both migrate at boot under the advisory lock):
 * the agent on node A; the supervisor's board, a watcher and the agent's second session on
 * node B. Then both get SIGTERM and exit cleanly.
 */
import { randomUUID } from 'node:crypto'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../apps/server/test/core/process.ts'
import { createTestDatabase, type TestDatabase } from '../../apps/server/test/store/test-db.ts'

type Msg = Record<string, unknown> & { type: string }

let db: TestDatabase
let a: RunningServer
let b: RunningServer

async function signIn(url: string, userId: string, role: string): Promise<string> {
  const res = await fetch(`${url}/api/dev/sign-in`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ accountId: 'acc-two', userId, role, displayName: userId }),
  })
  if (!res.ok) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { wsToken: string }).wsToken
}

async function connect(url: string, token: string, surface: string): Promise<{ ws: WebSocket; got: Msg[] }> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}`)
  const got: Msg[] = []
  ws.on('message', (d) => got.push(JSON.parse(String(d)) as Msg))
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  ws.send(JSON.stringify({ type: 'hello', protocolVersion: 1, clientId: randomUUID(), surface }))
  await expect.poll(() => got.some((m) => m.type === 'welcome')).toBe(true)
  return { ws, got }
}

beforeAll(async () => {
  db = await createTestDatabase()
  const env = { DATABASE_URL: db.url, SESSION_SECRET: 'two-process-secret-0123456789abcdefghij', AUTH_MODE: 'dev', BOARD_TICK_MS: '100', LOG_LEVEL: 'info' }
  const started = await Promise.allSettled([startServer({ ...env, NODE_ID: 'proc-a' }), startServer({ ...env, NODE_ID: 'proc-b' })])
  const failed = started.find((r) => r.status === 'rejected')
  if (failed) {
    // Never leave the other process behind.
    for (const r of started) if (r.status === 'fulfilled') r.value.child.kill('SIGKILL')
    throw failed.reason
  }
  ;[a, b] = started.map((r) => (r as PromiseFulfilledResult<RunningServer>).value) as [RunningServer, RunningServer]
}, 120_000)
afterAll(async () => {
  for (const s of [a, b]) if (s && s.child.exitCode === null) s.child.kill('SIGKILL')
  await db?.drop()
})

describe('two server processes', () => {
  it('fans the agent\'s ops on A out to the board, a watcher and the agent\'s second session on B', async () => {
    const agentTokenA = await signIn(a.url, 'agent-1', 'agent')
    const agentTokenB = await signIn(b.url, 'agent-1', 'agent')
    const supToken = await signIn(b.url, 'sup-1', 'supervisor')
    const agentA = await connect(a.url, agentTokenA, 'agent')
    const agentB = await connect(b.url, agentTokenB, 'agent')
    const board = await connect(b.url, supToken, 'supervisor')
    board.ws.send(JSON.stringify({ type: 'board.subscribe' }))
    await expect.poll(() => board.got.some((m) => m.type === 'board.snapshot')).toBe(true)

    const ob = { type: 'engagement.observe', opId: randomUUID(), engagementId: 'eng-2p', context: { engagementId: 'eng-2p' }, status: { state: 'active', channel: 'voice' }, at: Date.now() }
    agentA.ws.send(JSON.stringify(ob))
    await expect.poll(() => agentA.got.find((m) => m['opId'] === ob.opId)).toMatchObject({ type: 'ack', seq: 1 })
    const watch = await connect(b.url, supToken, 'supervisor')
    watch.ws.send(JSON.stringify({ type: 'subscribe', engagementId: 'eng-2p' }))
    await expect.poll(() => watch.got.some((m) => m.type === 'engagement.snapshot')).toBe(true)

    const doc = new Y.Doc()
    doc.getText('notes').insert(0, 'called about an invoice')
    const up = { type: 'doc.update', opId: randomUUID(), engagementId: 'eng-2p', update: Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64') }
    agentA.ws.send(JSON.stringify(up))
    await expect.poll(() => agentA.got.find((m) => m['opId'] === up.opId)).toMatchObject({ type: 'ack', seq: 2 })

    const seqs = (got: Msg[]) => got.filter((m) => m.type === 'engagement.events').flatMap((m) => (m['events'] as { seq: number }[]).map((e) => e.seq))
    await expect.poll(() => seqs(agentB.got), { timeout: 10_000 }).toEqual([1, 2])
    await expect.poll(() => seqs(watch.got), { timeout: 10_000 }).toEqual([2])
    await expect.poll(() => board.got.some((m) => m.type === 'board.delta' &&
      (m['engagements'] as { id: string; notesPreview: string }[]).some((e) => e.id === 'eng-2p' && e.notesPreview === 'called about an invoice')), { timeout: 10_000 }).toBe(true)
    for (const c of [agentA, agentB, board, watch]) c.ws.close()
  }, 60_000)

  it('both processes exit 0 on SIGTERM', async () => {
    a.child.kill('SIGTERM')
    b.child.kill('SIGTERM')
    expect(await a.exited).toMatchObject({ code: 0 })
    expect(await b.exited).toMatchObject({ code: 0 })
  }, 20_000)
})
