/**
 * The REST backfill against the Zoom stand-in, through the real server on real Postgres: agents
 * and their status, queue names, dispositions as wrap-up choices, and engagements that ended
 * while no webhook reached us (a live one is closed, a missed one is recorded); a second
 * backfill writes nothing; a failing Zoom leaves the error recorded and the lease free.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { releasedAfterAll } from '../../../../tests/support/release.ts'
import { accountRowId } from '../../src/auth/settings.ts'
import { getDispositions } from '../../src/store/account-settings.ts'
import { createTestDatabase, type TestDatabase } from '../store/test-db.ts'
import { Client, observe, startNode, type Node, type TestUser } from '../ws/harness.ts'
import { ZoomStandIn } from './zoom-stand-in.ts'

const APP = { accountId: 'ZoomAccountS2S', clientId: 's2s-client', clientSecret: 's2s-client-secret' }
// This node runs with dev sign-in, whose account rows carry the Zoom account id as given (the
// S2S app's account is the row its users sign in to).
const ACC = accountRowId(true, APP.accountId)
let db: TestDatabase
let node: Node
let zoom: ZoomStandIn
const iso = (ms: number) => new Date(ms).toISOString()
const keep = releasedAfterAll()

beforeAll(async () => {
  db = keep(await createTestDatabase())
  zoom = keep(await new ZoomStandIn(APP).start())
  for (const [path, key] of [['users', 'users'], ['queues', 'queues'], ['dispositions', 'dispositions'], ['engagements', 'engagements']] as const) {
    zoom.setList(`/contact_center/${path}`, key, [])
  }
  node = keep(await startNode({
    databaseUrl: db.url,
    env: {
      ZOOM_OAUTH_HOST: zoom.url, ZOOM_API_HOST: zoom.url, ZOOM_S2S_ACCOUNT_ID: APP.accountId, ZOOM_S2S_CLIENT_ID: APP.clientId,
      ZOOM_S2S_CLIENT_SECRET: APP.clientSecret, ZOOM_SYNC_INTERVAL_MS: '0',
    },
  }))
})

describe('REST backfill', () => {
  it('runs at start; the configured S2S account is served (created at start), nothing else is', async () => {
    await expect.poll(async () => (await node.store.query('select 1 from zoom_sync where last_backfill_at is not null')).rows.length, { timeout: 10_000 }).toBe(1)
    expect(zoom.requests('/contact_center/users')).toHaveLength(1)
    const r = await node.store.query<{ id: string }>('select id from accounts')
    expect(r.rows.map((x) => x.id)).toEqual([ACC])
  })

  it('brings agents and status, queues, dispositions and missed engagements; a second run writes nothing', async () => {
    const now = Date.now()
    // An engagement the board shows live, whose end no webhook reported (we were down).
    const agent: TestUser = { accountId: ACC, id: 'u-ann', role: 'agent', name: 'Ann' }
    const { createUser } = await import('../ws/harness.ts')
    await createUser(node.store, agent)
    const app = await Client.connect(node, agent)
    const ob = observe('live-1')
    app.send(ob)
    await app.reply(ob.opId as string)
    app.close()

    zoom.setList('/contact_center/users', 'users', [
      { user_id: 'u-ann', display_name: 'Ann', user_email: 'ann@example.com', status_id: '1', status_name: 'Ready' },
      { user_id: 'u-cy', display_name: 'Cy', status_id: '2', status_name: 'Not Ready', sub_status_id: '20', sub_status_name: 'Break' },
    ])
    zoom.setList('/contact_center/queues', 'queues', [{ cc_queue_id: 'q1', queue_name: 'Billing' }, { cc_queue_id: 'q2', queue_name: 'Sales' }])
    zoom.setList('/contact_center/dispositions', 'dispositions', [
      { disposition_id: 'd1', disposition_name: 'Solved', status: 'active' },
      { disposition_id: 'd2', disposition_name: 'Old', status: 'inactive' },
      { disposition_id: 'd3', disposition_name: 'Callback', status: 'active' },
    ])
    zoom.setList('/contact_center/engagements', 'engagements', [
      {
        engagement_id: 'live-1', start_time: iso(now - 600_000), end_time: iso(now - 60_000), direction: 'inbound',
        channels: [{ channel: 'voice' }], agents: [{ user_id: 'u-ann', display_name: 'Ann' }], queues: [{ cc_queue_id: 'q1', queue_name: 'Billing' }],
        dispositions: [{ disposition_id: 'd1', disposition_name: 'Solved' }],
      },
      {
        engagement_id: 'missed-1', start_time: iso(now - 900_000), end_time: iso(now - 300_000), direction: 'inbound',
        channels: [{ channel: 'messaging', channel_source: 'web_chat' }], consumers: [{ consumer_display_name: 'Jo' }],
        agents: [{ user_id: 'u-cy', display_name: 'Cy' }, { user_id: 'u-dee', display_name: 'Dee' }], queues: [{ cc_queue_id: 'q2', queue_name: 'Sales' }],
      },
      { engagement_id: 'abandoned-1', start_time: iso(now - 500_000), end_time: iso(now - 400_000), agents: [] },
    ])
    // Zoom is busy at first: one 429 and one 500 on the way.
    zoom.fail('/contact_center/engagements', { status: 429, retryAfter: '1' }, { status: 500 })

    const result = await node.app.zoom.backfill!.run('test')
    expect(result).toMatchObject({ users: 2, queues: 2, dispositions: 2, engagements: 2, applied: 3 })
    const list = zoom.requests('/contact_center/engagements').at(-1)!
    expect(list.query['from']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    expect(Date.parse(list.query['from']!)).toBeLessThanOrEqual(now - 600_000)

    const engagements = await node.store.query<{ id: string; agent_id: string; state: string; queue_name: string | null; source: string | null; sources: string[]; is_transfer: boolean; variables: Record<string, unknown> }>(
      'select id, agent_id, state, queue_name, source, sources, is_transfer, variables from engagements where account_id = $1 order by id', [ACC])
    expect(engagements.rows).toEqual([
      expect.objectContaining({ id: 'live-1', agent_id: 'u-ann', state: 'end', queue_name: 'Support', sources: ['app', 'rest'], variables: { 'zoom.disposition': 'Solved' } }),
      expect.objectContaining({ id: 'missed-1', agent_id: 'u-dee', state: 'end', queue_name: 'Sales', source: 'messaging_webChat', sources: ['rest'], is_transfer: true }),
    ])
    const users = await node.store.query<{ id: string; display_name: string; status_name: string | null; sub_status_name: string | null }>(
      `select u.id, u.display_name, z.status_name, z.sub_status_name from users u left join zoom_user_status z on z.account_id = u.account_id and z.user_id = u.id
       where u.account_id = $1 order by u.id`, [ACC])
    expect(users.rows).toEqual([
      { id: 'u-ann', display_name: 'Ann', status_name: 'Ready', sub_status_name: null },
      { id: 'u-cy', display_name: 'Cy', status_name: 'Not Ready', sub_status_name: 'Break' },
      { id: 'u-dee', display_name: 'Dee', status_name: null, sub_status_name: null },
    ])
    expect(await getDispositions(node.store, ACC)).toEqual(['Solved', 'Callback'])

    const count = async () => Number((await node.store.query<{ n: string }>('select count(*) as n from engagement_events')).rows[0]!.n)
    const before = await count()
    expect(await node.app.zoom.backfill!.run('again')).toMatchObject({ applied: 0 })
    expect(await count()).toBe(before)
    // One token for both runs (cached for its hour).
    expect(zoom.tokensIssued).toBe(1)
  })

  it('never brings back what was erased, nor what ended before the retention cutoff', async () => {
    const now = Date.now()
    const { eraseEngagements, setRetentionDays } = await import('../../src/store/retention.ts')
    await node.store.transaction((tx) => eraseEngagements(tx, ACC, ['missed-1'], 'engagement', 'admin'))
    await setRetentionDays(node.store, ACC, 2)
    zoom.setList('/contact_center/engagements', 'engagements', [
      { engagement_id: 'missed-1', start_time: iso(now - 900_000), end_time: iso(now - 300_000), agents: [{ user_id: 'u-cy' }] },
      { engagement_id: 'old-1', start_time: iso(now - 4 * 86_400_000), end_time: iso(now - 3 * 86_400_000), agents: [{ user_id: 'u-cy' }] },
      { engagement_id: 'new-1', start_time: iso(now - 200_000), end_time: iso(now - 100_000), agents: [{ user_id: 'u-cy' }] },
    ])
    expect(await node.app.zoom.backfill!.run('after erasure')).toMatchObject({ engagements: 1, applied: 1 })
    const ids = await node.store.query<{ id: string }>('select id from engagements where account_id = $1 order by id', [ACC])
    expect(ids.rows.map((r) => r.id)).toEqual(['live-1', 'new-1'])
  })

  it('a Zoom that keeps failing: the backfill fails, records why, and frees the lease', async () => {
    zoom.fail('/contact_center/users', { status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }, { status: 500 })
    await expect(node.app.zoom.backfill!.run('test')).rejects.toThrow(/HTTP 500/)
    const sync = await node.store.query<{ last_error: string; lease_owner: string | null }>('select last_error, lease_owner from zoom_sync where account_id = $1', [ACC])
    expect(sync.rows[0]).toEqual({ last_error: expect.stringContaining('/contact_center/users'), lease_owner: null })
    await expect(node.app.zoom.backfill!.run('after')).resolves.toMatchObject({ users: 2 })
  })
})
