/**
 * `npm run backup` on the embedded database: a copy taken while the server runs and ops are being
 * written is consistent (every projection matches its log), restores into an empty DATA_DIR, and
 * serves again; with no server running the script copies the files itself; restore refuses to
 * overwrite a database or to run beside a server.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import * as Y from 'yjs'
import { afterAll, describe, expect, it } from 'vitest'
import { openPgliteStore } from '../../src/store/pglite.ts'
import { pendingMigrations } from '../../src/store/migrate.ts'
import { silentLogger } from '../store/test-db.ts'
import { Client, createUser, opId, startNode, type TestUser } from '../ws/harness.ts'

const run = promisify(execFile)
const SCRIPT = resolve(import.meta.dirname, '../../../../scripts/backup.mjs')
const agent: TestUser = { accountId: 'acc1', id: 'agent1', role: 'agent', name: 'Ann' }
const dirs: string[] = []
const temp = (name: string) => {
  const d = mkdtempSync(join(tmpdir(), `sb-backup-${name}-`))
  dirs.push(d)
  return d
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/** Runs the backup script; resolves with its exit code and output. */
async function backup(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [SCRIPT, ...args], { env: { ...process.env, DATABASE_URL: '' }, timeout: 120_000 })
    return { code: 0, out: stdout + stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, out: e.stdout + e.stderr }
  }
}

function update(engagementId: string, text: string) {
  const doc = new Y.Doc()
  doc.getText('notes').insert(0, text)
  return { type: 'doc.update', opId: opId(), engagementId, update: Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64') }
}

/** Projections that do not match their log (last_seq vs the highest seq), and the engagement count. */
async function consistency(dataDir: string) {
  const store = await openPgliteStore({ dataDir, logger: silentLogger })
  try {
    const bad = await store.query<{ id: string }>(
      `select e.id from engagements e left join engagement_events ev on ev.account_id = e.account_id and ev.engagement_id = e.id
       group by e.account_id, e.id, e.last_seq having e.last_seq <> coalesce(max(ev.seq), 0)`)
    const n = await store.query<{ n: number }>('select count(*)::int as n from engagements')
    const events = await store.query<{ n: number }>('select count(*)::int as n from engagement_events')
    return { mismatched: bad.rows.map((r) => r.id), engagements: n.rows[0]!.n, events: events.rows[0]!.n, pending: await pendingMigrations(store) }
  } finally {
    await store.close()
  }
}

describe('npm run backup (embedded database)', () => {
  const data = temp('data')
  const out = temp('out')

  it('copies the database from the running server while it writes, and the copy restores and serves', async () => {
    const node = await startNode({ dataDir: data })
    const state = { writing: true }
    let acked = 0
    try {
      await createUser(node.store, agent)
      const c = await Client.connect(node, agent)
      for (const id of ['b-1', 'b-2', 'b-3']) {
        await c.observe(id)
      }
      // Ops keep arriving while the copy is taken.
      const writer = (async () => {
        for (let i = 0; state.writing; i++) {
          const up = update(`b-${(i % 3) + 1}`, `line ${i} `)
          c.send(up)
          await c.ack(up.opId)
          acked++
        }
      })()
      await expect.poll(() => acked, { timeout: 60_000 }).toBeGreaterThan(10)
      const r = await backup(['--data-dir', data, '--out', out])
      expect(r.out).toContain('copy taken by the running server')
      expect(r.code).toBe(0)
      state.writing = false
      await writer
      c.close()
    } finally {
      state.writing = false
      await node.close()
    }
    const [copy] = readdirSync(out)
    expect(readdirSync(join(out, copy!)).sort()).toEqual(['manifest.json', 'pglite.tar.gz'])

    const restored = temp('restored')
    const r = await backup(['--data-dir', restored, '--restore', join(out, copy!)])
    expect(r.out).toContain('database restored')
    expect(r.code).toBe(0)
    const copied = await consistency(restored)
    expect(copied).toMatchObject({ mismatched: [], engagements: 3, pending: [] })
    expect(copied.events).toBeGreaterThan(3 + 10)

    const again = await startNode({ dataDir: restored })
    try {
      const c = await Client.connect(again, agent)
      const up = update('b-1', 'after restore')
      c.send(up)
      expect((await c.ack(up.opId))['seq']).toBeGreaterThan(1)
      c.close()
    } finally {
      await again.close()
    }
  }, 180_000)

  it('copies the files itself when no server runs, and restore never overwrites a database unasked', async () => {
    const out2 = temp('out2')
    const r = await backup(['--data-dir', data, '--out', out2])
    expect(r.out).toContain('no server running')
    expect(r.code).toBe(0)
    const [copy] = readdirSync(out2)
    const target = temp('target')
    expect((await backup(['--data-dir', target, '--restore', join(out2, copy!)])).code).toBe(0)
    const refused = await backup(['--data-dir', target, '--restore', join(out2, copy!)])
    expect(refused.code).toBe(1)
    expect(refused.out).toContain('is not empty')
    expect((await backup(['--data-dir', target, '--restore', join(out2, copy!), '--force'])).code).toBe(0)
    expect((await consistency(target)).mismatched).toEqual([])
  }, 180_000)

  it('refuses to restore beside a running server', async () => {
    const node = await startNode({ dataDir: data })
    try {
      const [copy] = readdirSync(out)
      const r = await backup(['--data-dir', data, '--restore', join(out, copy!), '--force'])
      expect(r.code).toBe(1)
      expect(r.out).toContain('a server is running')
    } finally {
      await node.close()
    }
  }, 120_000)
})
