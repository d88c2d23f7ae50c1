/**
 * Zoom webhooks through the whole server on real Postgres, seen by real WebSocket clients: a
 * signed user_answered puts the engagement on the supervisor's board with no agent app open,
 * engagement_ended takes it off, a retried delivery adds no row; agent status reaches the roster;
 * the app and Zoom reporting the same fact write one row; Zoom never reopens what the app ended;
 * a delivery left unprocessed (a crash) is applied by the next sweep.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import {
  zoomEngagementEvent, zoomUserEvent, ZOOM_WEBHOOK_PATH, type ZoomEngagementEvent, type ZoomEngagementFields,
} from '@switchboard/protocol/zoom-webhooks'
import { releasedAfterAll } from '../../../../tests/support/release.ts'
import { createTestDatabase, type TestDatabase } from '../store/test-db.ts'
import { Client, createUser, observe, opId, startNode, type Msg, type Node, type TestUser } from '../ws/harness.ts'
import { signedHeaders } from './signing.ts'

const SECRET = 'board-webhook-secret-token-01'
const ACC = 'acct-zoom'
let db: TestDatabase
let node: Node
const sup: TestUser = { accountId: ACC, id: 'sup-1', role: 'supervisor', name: 'Sam Super' }
const ann: TestUser = { accountId: ACC, id: 'u-ann', role: 'agent', name: 'Ann Agent' }

const keep = releasedAfterAll()

beforeAll(async () => {
  db = keep(await createTestDatabase())
  node = keep(await startNode({ databaseUrl: db.url, env: { ZOOM_WEBHOOK_SECRET_TOKEN: SECRET } }))
  await createUser(node.store, sup)
  await createUser(node.store, ann)
})

async function send(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const raw = JSON.stringify(body)
  const res = await fetch(node.url + ZOOM_WEBHOOK_PATH, { method: 'POST', body: raw, headers: signedHeaders(SECRET, raw) })
  return { status: res.status, json: (await res.json()) as Record<string, unknown> }
}

function event(name: ZoomEngagementEvent, f: Partial<ZoomEngagementFields> & { engagementId: string }, eventTs?: number) {
  return zoomEngagementEvent(name, ACC, { userId: 'u-bob', userName: 'Bob Zoom', at: Date.now(), ...f }, eventTs)
}

async function rows(engagementId: string): Promise<{ seq: number; kind: string; data: Record<string, unknown> }[]> {
  const r = await node.store.query<{ seq: string; kind: string; data: Record<string, unknown> }>(
    'select seq, kind, data from engagement_events where account_id = $1 and engagement_id = $2 order by seq', [ACC, engagementId])
  return r.rows.map((x) => ({ seq: Number(x.seq), kind: x.kind, data: x.data }))
}

/** The agent app observes the engagement, then reports it in `state` (both acked). */
async function appReports(app: Client, engagementId: string, state: string): Promise<void> {
  const ob = observe(engagementId)
  app.send(ob)
  await app.reply(ob.opId as string)
  const st = { type: 'engagement.status', opId: opId(), engagementId, changes: { state }, zoomTimestamp: Date.now(), at: Date.now() }
  app.send(st)
  await app.reply(st.opId)
}

const onBoard = (id: string) => (m: Msg) => (m['engagements'] as { id: string }[] | undefined)?.some((e) => e.id === id) ?? false
const engagementIn = (m: Msg, id: string) => (m['engagements'] as Record<string, unknown>[]).find((e) => e['id'] === id)!

describe('webhooks → board', () => {
  it('user_answered with no agent app open: live on the board with state, queue, agent and source; ended: off; a retry adds no row', async () => {
    const board = await Client.board(node, sup)
    const answered = event('engagement_user_answered', {
      engagementId: 'z-1', queueId: 'q-bill', queueName: 'Billing', channel: 'voice', consumer: { name: 'Jane Smith', number: '+18005550100' },
    })
    expect(await send(answered)).toEqual({ status: 200, json: { outcome: 'accepted' } })
    const delta = await board.next('board.delta', onBoard('z-1'))
    expect(engagementIn(delta, 'z-1')).toMatchObject({
      agentId: 'u-bob', agentName: 'Bob Zoom', state: 'active', queueId: 'q-bill', queueName: 'Billing', channel: 'voice',
      sources: ['webhook'], consumers: [{ consumerDisplayName: 'Jane Smith', consumerNumber: '+18005550100' }],
    })
    expect(engagementIn(delta, 'z-1')['acceptedAt']).toBeTypeOf('number')
    // The agent Zoom named is on the roster, with no app open.
    const roster = await board.next('board.delta', (m) => (m['agents'] as { id: string }[]).some((a) => a.id === 'u-bob'))
    expect((roster['agents'] as Record<string, unknown>[]).find((a) => a['id'] === 'u-bob')).toMatchObject({ displayName: 'Bob Zoom', online: false, sessions: 0 })

    expect(await rows('z-1')).toHaveLength(1)
    expect(await send(answered)).toEqual({ status: 200, json: { outcome: 'duplicate' } })
    await new Promise((r) => setTimeout(r, 100))
    expect(await rows('z-1')).toHaveLength(1)

    expect((await send(event('engagement_ended', { engagementId: 'z-1', userId: undefined }))).json).toEqual({ outcome: 'accepted' })
    await board.next('board.delta', (m) => (m['removedEngagements'] as string[]).includes('z-1'))
    expect((await rows('z-1')).map((r) => r.kind)).toEqual(['context', 'status'])
    const fresh = await Client.board(node, sup)
    expect((fresh.of('board.snapshot')[0]!['engagements'] as { id: string }[]).map((e) => e.id)).not.toContain('z-1')
    board.close()
    fresh.close()
  })

  it('agent status from Zoom reaches the roster beside whether the app is open', async () => {
    const board = await Client.board(node, sup)
    const app = await Client.connect(node, ann)
    const at = Date.now()
    await send(zoomUserEvent('user_login', ACC, { userId: 'u-ann', displayName: 'Ann Agent', at: at - 1000 }))
    await send(zoomUserEvent('user_status_changed', ACC, { userId: 'u-ann', status: { id: '2', name: 'Not Ready', subId: '21', subName: 'Meal' }, at }))
    const delta = await board.next('board.delta', (m) => (m['agents'] as { id: string; contactCenter?: { status?: string } | null }[])
      .some((a) => a.id === 'u-ann' && a.contactCenter?.status === 'Not Ready'))
    expect((delta['agents'] as Record<string, unknown>[]).find((a) => a['id'] === 'u-ann')).toMatchObject({
      online: true, contactCenter: { status: 'Not Ready', statusId: '2', subStatus: 'Meal', subStatusId: '21', since: at, loggedIn: true },
    })
    // An older report arriving late does not overwrite the newer one.
    await send(zoomUserEvent('user_status_changed', ACC, { userId: 'u-ann', status: { id: '1', name: 'Ready' }, at: at - 500 }))
    await new Promise((r) => setTimeout(r, 150))
    const status = await node.store.query<{ status_name: string }>(`select status_name from zoom_user_status where user_id = 'u-ann'`)
    expect(status.rows[0]?.status_name).toBe('Not Ready')
    board.close()
    app.close()
  })

  it('the app and Zoom reporting the same state change write one row, whichever comes first', async () => {
    const app = await Client.connect(node, ann)
    await app.next('agent.engagements')
    await appReports(app, 'z-2', 'wrap-up')
    await send(event('engagement_wrap_up_started', { engagementId: 'z-2', userId: 'u-ann' }))
    await expect.poll(async () => (await node.store.query(`select 1 from zoom_webhook_deliveries where engagement_id = 'z-2' and processed_at is not null`)).rows.length).toBe(1)
    expect((await rows('z-2')).map((r) => r.kind)).toEqual(['context', 'status'])

    // Zoom first: the app's report of the same state is answered as a duplicate.
    await send(event('engagement_user_answered', { engagementId: 'z-3', userId: 'u-ann', userName: 'Ann Agent' }))
    await send(event('engagement_user_hold', { engagementId: 'z-3', userId: 'u-ann' }))
    await expect.poll(async () => (await rows('z-3')).length).toBe(2)
    const hold = { type: 'engagement.status', opId: opId(), engagementId: 'z-3', changes: { state: 'inactive' }, zoomTimestamp: Date.now(), at: Date.now() }
    app.send(hold)
    expect(await app.reply(hold.opId)).toMatchObject({ type: 'ack', duplicate: true })
    expect(await rows('z-3')).toHaveLength(2)
    app.close()
  })

  it('a webhook for an engagement the agent\'s app already ended writes nothing and keeps it off the board', async () => {
    const app = await Client.connect(node, ann)
    await appReports(app, 'z-4', 'end')
    const board = await Client.board(node, sup)
    for (const name of ['engagement_user_answered', 'engagement_user_unhold', 'engagement_wrap_up_started', 'engagement_ended'] as const) {
      expect((await send(event(name, { engagementId: 'z-4', userId: name === 'engagement_ended' ? undefined : 'u-ann' }))).status).toBe(200)
    }
    await expect.poll(async () => (await node.store.query(`select 1 from zoom_webhook_deliveries where engagement_id = 'z-4' and processed_at is not null`)).rows.length).toBe(4)
    expect((await rows('z-4')).map((r) => r.kind)).toEqual(['context', 'status'])
    expect(board.of('board.delta').some(onBoard('z-4'))).toBe(false)
    const outcomes = await node.store.query<{ outcome: string }>(`select outcome from zoom_webhook_deliveries where engagement_id = 'z-4'`)
    expect(outcomes.rows.map((r) => r.outcome)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged'])
    board.close()
    app.close()
  })

  it('an event naming a queue by id only gets the name the REST backfill stored', async () => {
    await node.store.query(`insert into zoom_queues (account_id, queue_id, queue_name) values ($1, 'q-named', 'Renewals')`, [ACC])
    await send(event('engagement_user_answered', { engagementId: 'z-6', queueId: 'q-named' }))
    await expect.poll(async () => (await node.store.query<{ queue_name: string | null }>(
      `select queue_name from engagements where account_id = $1 and id = 'z-6'`, [ACC])).rows[0]?.queue_name).toBe('Renewals')
  })

  it('an erased engagement is not recreated by a late webhook, and its deliveries are gone', async () => {
    await send(event('engagement_user_answered', { engagementId: 'z-7', consumer: { name: 'Erin Private', number: '+15550107777' } }))
    await expect.poll(async () => (await rows('z-7')).length).toBe(1)
    const { eraseEngagements } = await import('../../src/store/retention.ts')
    await node.store.transaction((tx) => eraseEngagements(tx, ACC, ['z-7'], 'engagement', 'sup-1'))
    expect((await node.store.query(`select 1 from zoom_webhook_deliveries where engagement_id = 'z-7'`)).rows).toEqual([])
    // Zoom retries, or reports it once more, after the erasure.
    expect((await send(event('engagement_user_hold', { engagementId: 'z-7', consumer: { name: 'Erin Private' } }))).json).toEqual({ outcome: 'accepted' })
    await expect.poll(async () => (await node.store.query(`select 1 from zoom_webhook_deliveries where engagement_id = 'z-7'`)).rows.length).toBe(0)
    expect(await rows('z-7')).toEqual([])
    expect((await node.store.query(`select 1 from engagements where id = 'z-7'`)).rows).toEqual([])
  })

  it('a webhook to one node reaches a board on another, engagement and agent status alike', async () => {
    const other = await startNode({ databaseUrl: db.url, env: { ZOOM_WEBHOOK_SECRET_TOKEN: SECRET } })
    try {
      const board = await Client.board(other, sup)
      await send(event('engagement_user_answered', { engagementId: 'z-8', userId: 'u-cal', userName: 'Cal Zoom' }))
      expect(engagementIn(await board.next('board.delta', onBoard('z-8')), 'z-8')).toMatchObject({ agentId: 'u-cal', state: 'active', sources: ['webhook'] })
      await send(zoomUserEvent('user_status_changed', ACC, { userId: 'u-cal', status: { id: '3', name: 'Occupied' }, at: Date.now() }))
      const roster = await board.next('board.delta', (m) => (m['agents'] as { id: string; contactCenter?: { status?: string } | null }[])
        .some((a) => a.id === 'u-cal' && a.contactCenter?.status === 'Occupied'))
      expect((roster['agents'] as Record<string, unknown>[]).find((a) => a['id'] === 'u-cal')).toMatchObject({ online: false })
      board.close()
    } finally {
      await other.close()
    }
  })

  it('/metrics counts deliveries by outcome and observes webhook → board time', async () => {
    await send({ event: 'contact_center.engagement_note_added', event_ts: Date.now(), payload: { account_id: ACC, object: { engagement_id: 'x' } } })
    const text = await (await fetch(`${node.url}/metrics`)).text()
    expect(text).toMatch(/switchboard_zoom_webhooks_received_total\{outcome="accepted",node="[^"]+"\} [1-9]/)
    expect(text).toMatch(/switchboard_zoom_webhooks_received_total\{outcome="duplicate",node="[^"]+"\} [1-9]/)
    expect(text).toMatch(/switchboard_zoom_webhooks_received_total\{outcome="unknown_event",node="[^"]+"\} 1/)
    expect(text).toMatch(/switchboard_zoom_webhooks_processed_total\{outcome="applied",node="[^"]+"\} [1-9]/)
    expect(text).toMatch(/switchboard_webhook_to_board_seconds_count\{node="[^"]+"\} [1-9]/)
  })

  it('a delivery persisted but never applied (the node crashed) is applied by the next sweep, once', async () => {
    const body = event('engagement_user_answered', { engagementId: 'z-5', queueName: 'Sales' })
    await node.store.query(
      `insert into zoom_webhook_deliveries (account_id, delivery_key, event, event_ts, engagement_id, user_id, object, received_at, claimed_at)
       values ($1, 'crash-1', $2, $3, 'z-5', 'u-bob', $4::jsonb, now() - interval '1 minute', now() - interval '1 minute')`,
      [ACC, body.event, body.event_ts, JSON.stringify(body.payload.object)])
    await node.app.zoom.processor.sweep()
    expect((await rows('z-5')).map((r) => r.kind)).toEqual(['context'])
    await node.store.query(`update zoom_webhook_deliveries set processed_at = null, claimed_at = now() - interval '1 minute' where delivery_key = 'crash-1'`)
    await node.app.zoom.processor.sweep()
    expect(await rows('z-5')).toHaveLength(1)
  })
})
