/**
 * Retention and erasure, the same on Postgres and PGlite: a purge that ages data out by the
 * account's period, erasure of one engagement and of a consumer number that leave no trace in any
 * table (nor in this node's memory or its sessions), an audit row without the content, and access
 * for admins of the account only.
 */
import * as Y from 'yjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { newSessionId, signToken } from '../../src/auth/session-token.ts'
import { key } from '../../src/domain/engagement/model.ts'
import { purgeExpired } from '../../src/store/retention.ts'
import { Client, createUser, opId, SECRET, type Node, type TestUser } from '../ws/harness.ts'

export const agent: TestUser = { accountId: 'acc1', id: 'agent1', role: 'agent', name: 'Ann' }
export const sup: TestUser = { accountId: 'acc1', id: 'sup1', role: 'supervisor', name: 'Sam' }
export const admin: TestUser = { accountId: 'acc1', id: 'adm1', role: 'admin', name: 'Ada' }
export const outsider: TestUser = { accountId: 'acc2', id: 'adm9', role: 'admin', name: 'Out' }

export function cookie(u: TestUser): string {
  const now = Date.now()
  return `sb_session=${signToken(SECRET, { k: 'session', sid: newSessionId(), sub: u.id, acc: u.accountId, role: u.role, name: u.name, cred: 'dev-signin', iat: now, exp: now + 3_600_000 })}`
}

export async function request(node: Node, u: TestUser | null, method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: object) {
  return node.app.inject({ method, url, headers: u ? { cookie: cookie(u) } : {}, ...(payload ? { payload } : {}) })
}

/** An engagement with notes, wrap-up, a whisper and a consumer; ended when `end`. Leaves `c` open when given. */
export async function seed(node: Node, id: string, text: string, o: { end?: boolean; consumerNumber?: string; keep?: Client } = {}): Promise<void> {
  const c = o.keep ?? await Client.connect(node, agent)
  await c.observe(id, o.consumerNumber ? { status: { state: 'active', channel: 'voice', consumers: [{ consumerNumber: o.consumerNumber, consumerDisplayName: 'Pat Doe' }] } } : {})
  const doc = new Y.Doc()
  doc.getText('notes').insert(0, text)
  doc.getMap('wrapup').set('summary', `summary of ${text}`)
  const up = { type: 'doc.update', opId: opId(), engagementId: id, update: Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64') }
  c.send(up)
  await c.ack(up.opId)
  const s = await Client.connect(node, sup, 'supervisor')
  const w = { type: 'whisper.send', opId: opId(), engagementId: id, text: `whisper about ${text}` }
  s.send(w)
  await s.ack(w.opId)
  s.close()
  if (o.end) {
    const st = { type: 'engagement.status', opId: opId(), engagementId: id, changes: { state: 'end' }, at: Date.now() }
    c.send(st)
    await c.ack(st.opId)
  }
  if (!o.keep) c.close()
}

/** Rows anywhere in the database whose text contains `needle` (every table of the schema, as text). */
export async function traces(node: Node, needle: string): Promise<Record<string, number>> {
  const tables = await node.store.query<{ name: string }>(
    `select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`)
  const out: Record<string, number> = {}
  for (const { name } of tables.rows) {
    // doc_update (bytea) holds the Yjs update with the text as UTF-8: match its bytes too.
    const res = await node.store.query<{ n: string }>(
      `select count(*) as n from "${name}" t where position($1 in t::text) > 0
         or ${name === 'engagement_events' ? 'position(convert_to($1, \'UTF8\') in coalesce(t.doc_update, \'\'::bytea)) > 0' : 'false'}
         or ${name === 'notes_docs' ? 'position(convert_to($1, \'UTF8\') in t.snapshot) > 0' : 'false'}`,
      [needle])
    const n = Number(res.rows[0]?.n ?? 0)
    if (n > 0) out[name] = n
  }
  return out
}

/** Waits for the notes document to be compacted (snapshot, plain text, search entry written). */
async function compacted(node: Node, id: string): Promise<void> {
  await expect.poll(async () => (await node.store.query(`select 1 from notes_docs where engagement_id = $1 and plain_text <> ''`, [id])).rows.length, { timeout: 10_000 }).toBe(1)
}

export function retentionContract(start: () => Node) {
  const node = () => start()

  describe('retention and erasure', () => {
    beforeAll(async () => {
      for (const u of [agent, sup, admin, outsider]) await createUser(node().store, u)
    })

    it('lets admins of the account read and set the retention period, and no one else', async () => {
      const n = node()
      expect((await request(n, admin, 'GET', '/api/admin/retention')).json()).toEqual({ retentionDays: null, defaultDays: 365, effectiveDays: 365 })
      for (const u of [agent, sup]) expect((await request(n, u, 'GET', '/api/admin/retention')).statusCode).toBe(403)
      expect((await request(n, null, 'GET', '/api/admin/retention')).statusCode).toBe(401)
      for (const retentionDays of [null, 0, 36501, 1.5]) {
        expect((await request(n, admin, 'PUT', '/api/admin/retention', { retentionDays })).statusCode, String(retentionDays)).toBe(400)
      }
      expect((await request(n, admin, 'PUT', '/api/admin/retention', { retentionDays: 7 })).json()).toEqual({ retentionDays: 7, defaultDays: 365, effectiveDays: 7 })
      expect((await request(n, admin, 'DELETE', '/api/admin/retention')).json()).toEqual({ retentionDays: null, defaultDays: 365, effectiveDays: 365 })
      const set = await request(n, admin, 'PUT', '/api/admin/retention', { retentionDays: 30 })
      expect(set.json()).toEqual({ retentionDays: 30, defaultDays: 365, effectiveDays: 30 })
      // Another account's period is its own.
      expect((await request(n, outsider, 'GET', '/api/admin/retention')).json()).toMatchObject({ retentionDays: null, effectiveDays: 365 })
    })

    it('purges what is older than the account\'s period, in batches, and keeps the rest', async () => {
      const n = node()
      await seed(n, 'old-ended', 'alpha-old-ended', { end: true })
      await seed(n, 'old-quiet', 'alpha-old-quiet')
      await seed(n, 'young-ended', 'alpha-young-ended', { end: true })
      await seed(n, 'fresh', 'alpha-fresh')
      for (const id of ['old-ended', 'old-quiet', 'young-ended', 'fresh']) await compacted(n, id)
      // Age the data: the period is 30 days.
      await n.store.query(`update engagements set ended_at = now() - interval '40 days', updated_at = now() - interval '40 days' where id = 'old-ended'`)
      await n.store.query(`update engagements set updated_at = now() - interval '31 days' where id = 'old-quiet'`)
      await n.store.query(`update engagements set ended_at = now() - interval '20 days', updated_at = now() - interval '20 days' where id = 'young-ended'`)
      const before = (await request(n, admin, 'GET', '/api/engagements?q=alpha')).json() as { items: unknown[] }
      expect(before.items).toHaveLength(4)

      const r = await purgeExpired(n.store, { defaultDays: 365, batchSize: 1, pauseMs: 0 })
      expect(r).toMatchObject({ ran: true, engagements: 2, documents: 2, batches: 2 })
      expect(r.events).toBeGreaterThanOrEqual(6)
      expect(await traces(n, 'alpha-old')).toEqual({})
      const left = await n.store.query<{ id: string }>(`select id from engagements where id in ('old-ended', 'old-quiet', 'young-ended', 'fresh') order by id`)
      expect(left.rows.map((x) => x.id)).toEqual(['fresh', 'young-ended'])
      const after = (await request(n, admin, 'GET', '/api/engagements?q=alpha')).json() as { items: { id: string }[] }
      expect(after.items.map((e) => e.id).sort()).toEqual(['fresh', 'young-ended'])
      expect((await request(n, admin, 'GET', '/api/engagements/old-ended')).statusCode).toBe(404)

      const audit = (await request(n, admin, 'GET', '/api/admin/erasures')).json() as { items: { reason: string; engagementIds: string[] }[] }
      const purged = audit.items.filter((e) => e.reason === 'retention').flatMap((e) => e.engagementIds).sort()
      expect(purged).toEqual(['old-ended', 'old-quiet'])
      // Nothing left to do: a second round removes nothing.
      expect(await purgeExpired(n.store, { defaultDays: 365 })).toMatchObject({ ran: true, engagements: 0 })
    })

    it('erases one engagement everywhere: every table, the hot document, the sessions and boards following it', async () => {
      const n = node()
      const agentSession = await Client.connect(n, agent)
      await seed(n, 'erase-me', 'bravo-private-note', { keep: agentSession })
      await seed(n, 'keep-me', 'bravo-other-note')
      const watcher = await Client.connect(n, sup, 'supervisor')
      await watcher.watch('erase-me')
      const board = await Client.board(n, sup)
      await compacted(n, 'erase-me')
      expect(n.app.realtime.engine.docs.get(key('acc1', 'erase-me'))).toBeDefined()

      for (const u of [agent, sup]) expect((await request(n, u, 'DELETE', '/api/admin/engagements/erase-me')).statusCode).toBe(403)
      const auditBefore = (await request(n, admin, 'GET', '/api/admin/erasures')).body
      expect((await request(n, outsider, 'DELETE', '/api/admin/engagements/erase-me')).statusCode).toBe(404)
      expect((await request(n, admin, 'DELETE', '/api/admin/engagements/no-such-engagement')).json()).toMatchObject({ error: { code: 'NOT_FOUND' } })
      expect((await request(n, admin, 'GET', '/api/admin/erasures')).body).toBe(auditBefore)
      expect(Object.keys(await traces(n, 'bravo-private-note')).length).toBeGreaterThan(0)

      const res = await request(n, admin, 'DELETE', '/api/admin/engagements/erase-me')
      expect(res.statusCode).toBe(200)
      const { erasure } = res.json() as { erasure: Record<string, unknown> }
      expect(erasure).toMatchObject({ reason: 'engagement', requestedBy: 'adm1', engagementIds: ['erase-me'], engagements: 1, documents: 1 })
      expect(erasure['events']).toBeGreaterThanOrEqual(3)
      expect(JSON.stringify(erasure)).not.toContain('bravo')

      expect(await traces(n, 'bravo-private-note')).toEqual({})
      expect(await traces(n, 'whisper about bravo-private')).toEqual({})
      expect(await traces(n, 'erase-me')).toEqual({ erasures: 1 })
      expect(Object.keys(await traces(n, 'bravo-other-note')).length).toBeGreaterThan(0)
      expect(n.app.realtime.engine.docs.get(key('acc1', 'erase-me'))).toBeUndefined()

      await agentSession.next('engagement.erased', (m) => m['engagementId'] === 'erase-me')
      await watcher.next('engagement.erased', (m) => m['engagementId'] === 'erase-me')
      await board.next('board.delta', (m) => (m['removedEngagements'] as string[]).includes('erase-me'))
      expect((await request(n, admin, 'GET', '/api/engagements/erase-me')).statusCode).toBe(404)
      expect((await request(n, admin, 'DELETE', '/api/admin/engagements/erase-me')).statusCode).toBe(404)

      // The agent's next note on that id starts from nothing: no old text comes back.
      const doc = new Y.Doc()
      doc.getText('notes').insert(0, 'after erasure')
      const up = { type: 'doc.update', opId: opId(), engagementId: 'erase-me', update: Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64') }
      agentSession.send(up)
      await agentSession.reply(up.opId)
      expect(await traces(n, 'bravo-private-note')).toEqual({})
      for (const c of [agentSession, watcher, board]) c.close()
    })

    it('erases everything about a consumer number, however it is written, and keeps the number out of the audit', async () => {
      const n = node()
      await seed(n, 'pat-1', 'charlie-first-call', { consumerNumber: '+1 (555) 010-9999', end: true })
      await seed(n, 'pat-2', 'charlie-second-call', { consumerNumber: '15550109999' })
      await seed(n, 'other-consumer', 'charlie-someone-else', { consumerNumber: '+1 555 010 1234' })
      // The number only in the log: a later status named another party, so the projection no
      // longer shows it (observe rows keep consumers in data.status, status rows in data.changes).
      const keep = await Client.connect(n, agent)
      await seed(n, 'pat-3', 'charlie-transferred', { consumerNumber: '+1 555.010.9999', keep })
      const moved = { type: 'engagement.status', opId: opId(), engagementId: 'pat-3', changes: { consumers: [{ consumerNumber: '+1 555 777 0000' }] }, at: Date.now() }
      keep.send(moved)
      await keep.ack(moved.opId)
      keep.close()
      const projection = await n.store.query<{ consumers: unknown }>(`select consumers from engagements where id = 'pat-3'`)
      expect(JSON.stringify(projection.rows[0]?.consumers)).not.toContain('9999')
      const tooShort = await request(n, admin, 'POST', '/api/admin/erasures', { consumerNumber: '+1 ()-' })
      expect(tooShort.statusCode).toBe(400)
      expect((await request(n, sup, 'POST', '/api/admin/erasures', { consumerNumber: '15550109999' })).statusCode).toBe(403)
      // Another account's admin finds nothing of ours.
      const foreign = await request(n, outsider, 'POST', '/api/admin/erasures', { consumerNumber: '15550109999' })
      expect(foreign.json()).toMatchObject({ erasure: { engagements: 0 } })

      const res = await request(n, admin, 'POST', '/api/admin/erasures', { consumerNumber: '1-555-010-9999' })
      expect(res.statusCode).toBe(200)
      expect(res.json()).toMatchObject({ erasure: { reason: 'consumer', engagementIds: ['pat-1', 'pat-2', 'pat-3'], engagements: 3 } })
      expect(await traces(n, '010-9999')).toEqual({})
      expect(await traces(n, '5550109999')).toEqual({})
      expect(await traces(n, 'charlie-first')).toEqual({})
      expect(await traces(n, 'charlie-second')).toEqual({})
      expect(await traces(n, 'charlie-transferred')).toEqual({})
      expect(Object.keys(await traces(n, 'charlie-someone-else')).length).toBeGreaterThan(0)
      const audit = await request(n, admin, 'GET', '/api/admin/erasures')
      expect(audit.body).not.toContain('9999')
      expect((audit.json() as { items: { reason: string }[] }).items[0]).toMatchObject({ reason: 'consumer', requestedBy: 'adm1' })
    })
  })
}
