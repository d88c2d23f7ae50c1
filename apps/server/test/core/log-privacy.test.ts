/**
 * No customer text in the log: an agent types notes over a real WebSocket, a supervisor searches
 * the history for words from them (`q=`), opens the engagement by id, a user id goes through an
 * admin route, and bad input of every kind gets refused; the whole log at `trace` level holds none
 * of the notes' words, the search term, the engagement id or the user id.
 */
import { randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import * as Y from 'yjs'
import type { FastifyInstance } from 'fastify'
import { messagesOf, PROTOCOL_VERSION } from '@switchboard/protocol'
import { buildApp } from '../../src/app.ts'
import { newSessionId, signToken } from '../../src/auth/session-token.ts'
import { upsertUser } from '../../src/auth/users.ts'
import { createLogger } from '../../src/logger.ts'
import { migrate } from '../../src/store/migrate.ts'
import { openPgliteStore } from '../../src/store/pglite.ts'
import type { Store } from '../../src/store/port.ts'
import { coreConfig, fakeWebRoot, TEST_SECRET } from './helpers.ts'

const NOTES = 'Customer Zelda Quixotic disputes invoice 88231 for her Gryphon plan'
const ENGAGEMENT = 'eng-Kx9PersonalId'
const ACC = 'acct-privacy'
const AGENT = 'zoomUserAgentPqr9'
const SUP = 'zoomUserSupervisorW7'

function token(kind: 'ws' | 'session', userId: string, role: 'agent' | 'supervisor' | 'admin'): string {
  const now = Date.now()
  return signToken(TEST_SECRET, { k: kind, sid: newSessionId(), sub: userId, acc: ACC, role, name: null, cred: 'dev-signin', iat: now, exp: now + 600_000 })
}

describe('logs carry no customer text', () => {
  let store: Store
  let app: FastifyInstance
  let url: string
  const lines: string[] = []
  const web = fakeWebRoot()

  beforeAll(async () => {
    const config = coreConfig({ LOG_LEVEL: 'trace' })
    const logger = createLogger({ logLevel: 'trace', nodeId: 'privacy' }, new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'))
        done()
      },
    }))
    store = await openPgliteStore({ logger: { debug() {}, info() {}, warn() {}, error() {} } })
    await migrate(store)
    await upsertUser(store, { accountId: ACC, userId: AGENT, role: 'agent' })
    await upsertUser(store, { accountId: ACC, userId: SUP, role: 'admin' })
    app = await buildApp({ config, store, logger, webRoot: web.root })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const addr = app.server.address()
    url = `127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
  }, 60_000)
  afterAll(async () => {
    await app?.close()
    await store?.close()
    web.remove()
  })

  it('holds none of the notes, the search term or personal ids', async () => {
    const ws = new WebSocket(`ws://${url}/ws?token=${encodeURIComponent(token('ws', AGENT, 'agent'))}`)
    const received: Array<Record<string, unknown>> = []
    ws.on('message', (d) => {
      // Protocol 5 sends one `batch` frame per flush (acks and rows together).
      received.push(...messagesOf(JSON.parse(String(d)) as { type: string; [k: string]: unknown }))
    })
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
    const reply = async (opId: string) => {
      for (let i = 0; i < 500; i++) {
        const r = received.find((m) => m['opId'] === opId)
        if (r) return r
        await new Promise((res) => setTimeout(res, 10))
      }
      throw new Error(`no reply to ${opId}`)
    }
    ws.send(JSON.stringify({ type: 'hello', protocolVersion: PROTOCOL_VERSION, clientId: randomUUID(), surface: 'agent' }))
    const observe = randomUUID()
    ws.send(JSON.stringify({ type: 'engagement.observe', opId: observe, engagementId: ENGAGEMENT, at: Date.now(), context: { engagementId: ENGAGEMENT }, status: { state: 'active' } }))
    expect((await reply(observe))['type']).toBe('ack')
    const doc = new Y.Doc()
    doc.getText('notes').insert(0, NOTES)
    const update = randomUUID()
    ws.send(JSON.stringify({ type: 'doc.update', opId: update, engagementId: ENGAGEMENT, update: Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64') }))
    expect((await reply(update))['type']).toBe('ack')
    // Refused messages carrying the text are answered, not logged with it.
    ws.send(JSON.stringify({ type: 'whisper.send', opId: randomUUID(), engagementId: ENGAGEMENT, text: NOTES }))
    ws.send(`{"type":"doc.update","broken":"${NOTES}"`)
    ws.close()

    const cookie = { cookie: `sb_session=${token('session', SUP, 'admin')}` }
    // The search index follows the notes shortly after the ack.
    await expect.poll(async () => (await app.inject({ url: `/api/engagements?q=Gryphon`, headers: cookie })).json().items?.length ?? 0, { timeout: 10_000 }).toBe(1)
    await app.inject({ url: `/api/engagements?q=${encodeURIComponent('Zelda Quixotic')}&limit=5`, headers: cookie })
    await app.inject({ url: `/api/engagements/export.csv?q=Gryphon`, headers: cookie })
    await app.inject({ url: `/api/engagements/${ENGAGEMENT}?evil=${encodeURIComponent(NOTES)}`, headers: cookie })
    await app.inject({ url: `/api/engagements/${ENGAGEMENT}`, headers: cookie })
    await app.inject({ method: 'PUT', url: `/api/admin/users/${AGENT}/role`, headers: cookie, payload: { role: 'agent' } })
    await app.inject({ url: `/api/engagements?cursor=${Buffer.from(JSON.stringify({ u: 1e300, i: NOTES })).toString('base64url')}`, headers: cookie })
    await app.inject({ method: 'PUT', url: '/api/settings/account', headers: cookie, payload: { dispositions: [NOTES], evil: NOTES } })
    await app.inject({ url: `/?accountId=${AGENT}`, headers: { 'x-zoom-app-context': 'garbage', accept: 'text/html' } })

    const log = lines.join('')
    expect(log).toContain('request completed')
    expect(log).toContain('/api/engagements/:engagementId')
    for (const secret of ['Zelda', 'Quixotic', 'Gryphon', '88231', ENGAGEMENT, AGENT, SUP]) {
      expect(log, secret).not.toContain(secret)
    }
  }, 60_000)
})
