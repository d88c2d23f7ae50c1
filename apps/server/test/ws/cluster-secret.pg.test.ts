/**
 * Every node of a cluster (servers on one database) must sign sessions with the same
 * SESSION_SECRET: a node whose secret differs from a live node's refuses to start, naming the
 * variable and the other node; the database holds a fingerprint, never the secret.
 */
import { execFile } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO_ROOT, SERVER_ENTRY, TSX_ARGS } from '../core/process.ts'
import { secretFingerprint } from '../../src/secrets.ts'
import { ClusterSecretMismatch } from '../../src/store/cluster.ts'
import { createTestDatabase, type TestDatabase } from '../store/test-db.ts'
import { SECRET, startNode, type Node } from './harness.ts'

const OTHER = 'another-secret-0123456789-abcdefghijklmnopqrstuvwxyz'
let db: TestDatabase
const running: Node[] = []

beforeAll(async () => {
  db = await createTestDatabase()
}, 60_000)
afterAll(async () => {
  for (const n of running) await n.close()
  await db?.drop()
})

async function start(nodeId: string, secret: string): Promise<Node> {
  const n = await startNode({ databaseUrl: db.url, nodeId, env: { SESSION_SECRET: secret } })
  running.push(n)
  return n
}

async function stop(n: Node): Promise<void> {
  running.splice(running.indexOf(n), 1)
  await n.close()
}

async function nodes(n: Node): Promise<{ node_id: string; secret_fingerprint: string }[]> {
  return (await n.store.query<{ node_id: string; secret_fingerprint: string }>('select node_id, secret_fingerprint from cluster_nodes order by node_id')).rows
}

describe('a shared SESSION_SECRET', { timeout: 60_000 }, () => {
  it('a node with another secret is refused while a node with the first one runs; one with the same joins', async () => {
    const a = await start('node-a', SECRET)
    const refused = startNode({ databaseUrl: db.url, nodeId: 'node-b', env: { SESSION_SECRET: OTHER } })
    await expect(refused).rejects.toBeInstanceOf(ClusterSecretMismatch)
    await expect(refused).rejects.toThrow(/^SESSION_SECRET differs from the one used by node-a \(running on the same database\)/)
    const b = await start('node-b', SECRET)
    const rows = await nodes(a)
    expect(rows).toEqual([
      { node_id: 'node-a', secret_fingerprint: secretFingerprint(SECRET) },
      { node_id: 'node-b', secret_fingerprint: secretFingerprint(SECRET) },
    ])
    expect(JSON.stringify(rows)).not.toContain(SECRET)
    await stop(a)
    await stop(b)
  })

  it('after every node stopped, the secret can change; a crashed node (stale row) does not hold it back', async () => {
    const c = await start('node-c', OTHER)
    expect(await nodes(c)).toEqual([{ node_id: 'node-c', secret_fingerprint: secretFingerprint(OTHER) }])
    // A node that crashed long ago with the old secret: its row is past the presence staleness window.
    await c.store.query(`insert into cluster_nodes (node_id, secret_fingerprint, seen_at) values ('node-dead', $1, now() - interval '1 hour')`, [secretFingerprint(SECRET)])
    const d = await start('node-d', OTHER)
    expect((await nodes(d)).map((r) => r.node_id)).toEqual(['node-c', 'node-d'])
    // The old secret is now the odd one out.
    await expect(startNode({ databaseUrl: db.url, nodeId: 'node-e', env: { SESSION_SECRET: SECRET } }))
      .rejects.toThrow(/used by node-c, node-d \(/)
  })

  it('the process entry says so in one line and exits 1', async () => {
    const n = running[0]!
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [...TSX_ARGS, SERVER_ENTRY], {
        cwd: REPO_ROOT, encoding: 'utf8', timeout: 45_000,
        env: { PATH: process.env['PATH'] ?? '', DATABASE_URL: db.url, SESSION_SECRET: SECRET, NODE_ID: 'node-f', LOG_LEVEL: 'silent', PORT: '0' },
      }, (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr: stderr.trim() }))
    })
    expect(r.code).toBe(1)
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '' && !l.includes('ExperimentalWarning'))
    expect(lines).toEqual([expect.stringMatching(/^switchboard: SESSION_SECRET differs from the one used by node-c, node-d/)])
    expect((await nodes(n)).map((row) => row.node_id)).toEqual(['node-c', 'node-d'])
  })
})
