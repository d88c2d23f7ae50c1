import * as Y from 'yjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { newSessionId, signToken } from '../../src/auth/session-token.ts'
import { Client, nodeForFile, observe, opId, SECRET, type TestUser } from '../ws/harness.ts'

const agent: TestUser = { accountId: 'acc1', id: 'agent1', role: 'agent', name: 'Ann' }
const agent2: TestUser = { accountId: 'acc1', id: 'agent2', role: 'agent', name: 'Bob' }
const sup: TestUser = { accountId: 'acc1', id: 'sup1', role: 'supervisor', name: 'Sam' }
const outsider: TestUser = { accountId: 'acc2', id: 'sup9', role: 'admin', name: 'Out' }
const node = nodeForFile({ pg: true, users: [agent, agent2, sup, outsider] })

function cookie(u: TestUser): string {
  const now = Date.now()
  return `sb_session=${signToken(SECRET, { k: 'session', sid: newSessionId(), sub: u.id, acc: u.accountId, role: u.role, name: u.name, cred: 'dev-signin', iat: now, exp: now + 3_600_000 })}`
}

async function get(u: TestUser | null, url: string) {
  return node.app.inject({ method: 'GET', url, headers: u ? { cookie: cookie(u) } : {} })
}

async function seed(u: TestUser, id: string, text: string, end: boolean, queueId = 'q1'): Promise<void> {
  const c = await Client.connect(node, u)
  await c.op(observe(id, { context: { engagementId: id, queueId, startTime: Date.now() - 5000 } }))
  const doc = new Y.Doc()
  doc.getText('notes').insert(0, text)
  doc.getMap('wrapup').set('disposition', 'Resolved')
  await c.op({ type: 'doc.update', engagementId: id, update: Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64') })
  if (end) await c.op({ type: 'engagement.status', engagementId: id, changes: { state: 'end' }, at: Date.now() })
  c.close()
}

beforeAll(async () => {
  await seed(agent, 'e1', 'customer asked about a refund', false)
  await seed(agent, 'e2', 'billing question, "quoted", =cmd', true, 'q2')
  await seed(agent2, 'e3', 'password reset', false)
  for (let i = 0; i < 5; i++) await seed(agent2, `bulk-${i}`, `bulk note ${i}`, true)
})

describe('engagement REST', () => {
  it('requires a session', async () => {
    expect((await get(null, '/api/engagements')).statusCode).toBe(401)
  })

  it('scopes agents to their own engagements and supervisors to their account', async () => {
    const mine = (await get(agent, '/api/engagements')).json() as { items: { id: string }[] }
    expect(mine.items.map((e) => e.id).sort()).toEqual(['e1', 'e2'])
    const all = (await get(sup, '/api/engagements?limit=200')).json() as { items: { id: string }[] }
    expect(all.items).toHaveLength(8)
    const none = (await get(outsider, '/api/engagements')).json() as { items: unknown[] }
    expect(none.items).toEqual([])
  })

  it('filters by state, queue, agent and full text', async () => {
    const ids = async (q: string) => ((await get(sup, `/api/engagements?${q}`)).json() as { items: { id: string }[] }).items.map((e) => e.id).sort()
    expect(await ids('state=live')).toEqual(['e1', 'e3'])
    expect(await ids('queueId=q2')).toEqual(['e2'])
    expect(await ids('agentId=agent1')).toEqual(['e1', 'e2'])
    // Full text is over the compacted notes text, which follows typing by about a second.
    await expect.poll(() => ids('q=refund'), { timeout: 5000 }).toEqual(['e1'])
    await expect.poll(() => ids('q=password&state=live'), { timeout: 5000 }).toEqual(['e3'])
  })

  it('pages with a cursor without repeats or gaps', async () => {
    const seen: string[] = []
    let cursor: string | null = null
    for (let i = 0; i < 10; i++) {
      const res = (await get(sup, `/api/engagements?limit=3${cursor ? `&cursor=${cursor}` : ''}`)).json() as { items: { id: string }[]; nextCursor: string | null }
      seen.push(...res.items.map((e) => e.id))
      cursor = res.nextCursor
      if (!cursor) break
    }
    expect(seen).toHaveLength(8)
    expect(new Set(seen).size).toBe(8)
    expect((await get(sup, '/api/engagements?cursor=garbage')).statusCode).toBe(400)
  })

  it('refuses forged and out-of-range cursors and values with 400 VALIDATION_FAILED, never a 500', async () => {
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
    const bad = [
      `cursor=${enc({ u: 1e300, i: 'e1' })}`, // Postgres: timestamp out of range
      `cursor=${enc({ u: -1, i: 'e1' })}`,
      `cursor=${enc({ u: 1.5, i: 'e1' })}`,
      `cursor=${enc({ u: 8.64e15 + 1, i: 'e1' })}`,
      `cursor=${enc({ u: 1, i: 'x'.repeat(129) })}`,
      `cursor=${enc({ u: 1, i: '' })}`,
      `cursor=${enc({ u: 1, i: 'e1', extra: true })}`,
      `cursor=${enc([1, 'e1'])}`,
      `cursor=${enc(null)}`,
      'cursor=%00%01',
      'from=1e300', 'to=99999999999999999999', 'from=-5', 'limit=0', 'limit=201', 'limit=abc',
      'state=sideways', `channel=${'c'.repeat(33)}`, 'evil=1', `q=${'x'.repeat(201)}`,
    ]
    for (const query of bad) {
      for (const path of ['/api/engagements', '/api/engagements/export.csv']) {
        if (path.endsWith('.csv') && /^(cursor|limit)=/.test(query)) continue
        const res = await get(sup, `${path}?${query}`)
        expect(res.statusCode, `${path}?${query}`).toBe(400)
        expect(res.json().error.code, `${path}?${query}`).toBe('VALIDATION_FAILED')
      }
    }
  })

  it('returns one engagement with its timeline and notes; NOT_FOUND across accounts and for other agents', async () => {
    const res = await get(sup, '/api/engagements/e2')
    expect(res.statusCode).toBe(200)
    const body = res.json() as { engagement: { state: string }; events: { kind: string; update?: string }[]; notes: { text: string; wrapup: { disposition?: string } } }
    expect(body.engagement.state).toBe('end')
    expect(body.events.map((e) => e.kind)).toEqual(['context', 'doc', 'status'])
    expect(body.events.every((e) => e.update === undefined)).toBe(true)
    expect(body.notes).toEqual({ text: 'billing question, "quoted", =cmd', wrapup: { disposition: 'Resolved' } })
    expect((await get(outsider, '/api/engagements/e2')).json()).toMatchObject({ error: { code: 'NOT_FOUND' } })
    expect((await get(agent2, '/api/engagements/e2')).statusCode).toBe(404)
    expect((await get(agent, '/api/engagements/e2')).statusCode).toBe(200)
  })

  it('exports CSV of what the filters select, quoting and neutralizing formulas', async () => {
    await expect.poll(async () => (await get(sup, '/api/engagements/export.csv?agentId=agent1')).body, { timeout: 5000 }).toContain('billing question')
    const res = await get(sup, '/api/engagements/export.csv?agentId=agent1')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toContain('text/csv')
    const lines = res.body.trim().split('\r\n')
    expect(lines[0]).toMatch(/^engagementId,agentId,/)
    expect(lines).toHaveLength(3)
    expect(res.body).toContain(`"billing question, ""quoted"", =cmd"`)
    const alias = await get(agent2, '/api/engagements.csv')
    expect(alias.body.trim().split('\r\n')).toHaveLength(7)
  })

  it('has an engagement\'s final notes and wrap-up in history and CSV the moment its end is acked', async () => {
    const c = await Client.connect(node, agent)
    const ob = observe('e-final', { context: { engagementId: 'e-final', queueId: 'q9', startTime: Date.now() - 5000 } })
    c.send(ob)
    await c.reply(ob.opId as string)
    const doc = new Y.Doc()
    doc.getText('notes').insert(0, 'chargeback filed for the duplicate payment')
    doc.getMap('wrapup').set('disposition', 'Escalated')
    doc.getMap('wrapup').set('summary', 'Bank contacted')
    const up = { type: 'doc.update', opId: opId(), engagementId: 'e-final', update: Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64') }
    const end = { type: 'engagement.status', opId: opId(), engagementId: 'e-final', changes: { state: 'end' }, at: Date.now() }
    c.send(up)
    c.send(end)
    await c.reply(end.opId)
    c.close()
    // No waiting for compaction (a second after typing stops): it is written with the end.
    const found = (await get(sup, '/api/engagements?state=closed&q=chargeback')).json() as { items: { id: string }[] }
    expect(found.items.map((e) => e.id)).toEqual(['e-final'])
    const csv = (await get(sup, '/api/engagements/export.csv?queueId=q9')).body
    expect(csv).toContain('chargeback filed for the duplicate payment')
    expect(csv).toContain('Escalated')
    expect(csv).toContain('Bank contacted')
  })

  it('refuses unknown body fields (requests are strict), changing nothing', async () => {
    const before = (await get(sup, '/api/settings/thresholds')).json()
    const put = await node.app.inject({
      method: 'PUT', url: '/api/settings/thresholds', headers: { cookie: cookie(sup) },
      payload: { handleMs: 1000, wrapupMs: 2000, inactiveMs: 3000, evil: 1 },
    })
    expect(put.statusCode).toBe(400)
    expect(put.json().error.code).toBe('VALIDATION_FAILED')
    const acct = await node.app.inject({
      method: 'PUT', url: '/api/settings/account', headers: { cookie: cookie(sup) }, payload: { dispositions: ['A'], evil: 1 },
    })
    expect(acct.json().error.code).toBe('VALIDATION_FAILED')
    const range = await node.app.inject({
      method: 'PUT', url: '/api/settings/thresholds', headers: { cookie: cookie(sup) }, payload: { handleMs: 1e300, wrapupMs: 2000, inactiveMs: 3000 },
    })
    expect(range.json().error.code).toBe('VALIDATION_FAILED')
    expect((await get(sup, '/api/settings/thresholds')).json()).toEqual(before)
  })

  it('stores thresholds per account (supervisors only) and serves dispositions', async () => {
    expect((await get(agent, '/api/settings/thresholds')).statusCode).toBe(403)
    const t = { handleMs: 300000, wrapupMs: 60000, inactiveMs: 30000 }
    const put = await node.app.inject({ method: 'PUT', url: '/api/settings/thresholds', headers: { cookie: cookie(sup) }, payload: t })
    expect(put.statusCode).toBe(200)
    expect((await get(sup, '/api/settings/thresholds')).json()).toEqual(t)
    expect((await get(outsider, '/api/settings/thresholds')).json()).not.toEqual(t)
    const bad = await node.app.inject({ method: 'PUT', url: '/api/settings/thresholds', headers: { cookie: cookie(sup) }, payload: { handleMs: -1 } })
    expect(bad.statusCode).toBe(400)
    const d = (await get(agent, '/api/settings/dispositions')).json() as { dispositions: string[] }
    expect(d.dispositions.length).toBeGreaterThan(0)
  })

  it('serves Prometheus metrics', async () => {
    const res = await get(null, '/metrics')
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('switchboard_ops_total')
    expect(res.body).toMatch(/switchboard_listen_up\{node="[^"]+"\} 1/)
  })
})
