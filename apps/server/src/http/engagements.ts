/**
 * Engagement REST routes, scoped by the session's account and role (agents: their own):
 *   GET /api/engagements                 list (live/closed, filters, full-text `q`, cursor pages)
 *   GET /api/engagements/:engagementId   projection + log timeline + notes text and wrap-up
 *   GET /api/engagements/export.csv      CSV of what the filters select (streamed); also /api/engagements.csv
 * plus the settings routes in `settings.ts`.
 */
import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { SessionUser } from '@switchboard/protocol'
import {
  EngagementExportQuery, EngagementListQuery, EngagementParams,
} from '@switchboard/protocol/rest'
import { canRead } from '../domain/engagement/access.ts'
import { actorOf } from '../domain/engagement/model.ts'
import {
  ENGAGEMENT_COLUMNS, ENGAGEMENT_FROM, fromRow, getEngagement, readEventsAfter, toLogEvent, toView, type EngagementRow,
} from '../domain/engagement/queries.ts'
import { sendError } from '../errors.ts'
import type { Store } from '../store/port.ts'
import type { Engine } from '../ws/engine.ts'
import { readNotes } from '../ws/reader.ts'
import { decodeCursor, encodeCursor, engagementWhere, ORDER_KEY } from './engagement-filters.ts'
import { csvHeader, csvRow, type CsvSource } from './csv.ts'
import { settingsRoutes } from './settings.ts'

export interface EngagementRoutesOptions {
  store: Store
  engine: Engine
}

function user(request: { sessionUser: SessionUser | null }): SessionUser {
  return request.sessionUser!
}

export async function engagementRoutes(app: FastifyInstance, opts: EngagementRoutesOptions): Promise<void> {
  const { store } = opts
  const signedIn = app.requireRole('agent')

  app.get<{ Querystring: EngagementListQuery }>('/api/engagements', {
    onRequest: signedIn, schema: { querystring: EngagementListQuery },
  }, async (request, reply) => {
    const q = request.query
    const cursor = q.cursor ? decodeCursor(q.cursor) : null
    if (q.cursor && !cursor) return sendError(reply, 'VALIDATION_FAILED', 'The cursor is not valid.')
    const limit = q.limit ?? 50
    const { sql, params } = engagementWhere(user(request), q, cursor)
    const res = await store.query<EngagementRow & { order_ms: number }>(
      `select ${ENGAGEMENT_COLUMNS}, (extract(epoch from ${ORDER_KEY}) * 1000)::int8 as order_ms
       from ${ENGAGEMENT_FROM} where ${sql}
       order by ${ORDER_KEY} desc, e.id desc limit ${limit + 1}`, params)
    const rows = res.rows.slice(0, limit)
    const last = rows[rows.length - 1]
    return {
      items: rows.map((r) => toView(fromRow(r))),
      nextCursor: res.rows.length > limit && last ? encodeCursor({ u: Number(last.order_ms), i: last.id }) : null,
    }
  })

  const exportCsv = async (request: { query: EngagementExportQuery; sessionUser: SessionUser | null }, reply: FastifyReply) => {
    const who = user(request)
    const filters = request.query
    async function* rows(): AsyncGenerator<string> {
      yield csvHeader()
      let cursor: { u: number; i: string } | null = null
      for (;;) {
        const { sql, params } = engagementWhere(who, filters, cursor)
        const res: { rows: (CsvSource & { order_ms: number })[] } = await store.query(
          `select ${ENGAGEMENT_COLUMNS}, (extract(epoch from ${ORDER_KEY}) * 1000)::int8 as order_ms,
             n.plain_text, n.wrapup
           from ${ENGAGEMENT_FROM}
           left join notes_docs n on n.account_id = e.account_id and n.engagement_id = e.id
           where ${sql} order by ${ORDER_KEY} desc, e.id desc limit 500`, params)
        for (const r of res.rows) yield csvRow(r)
        const last = res.rows[res.rows.length - 1]
        if (res.rows.length < 500 || !last) return
        cursor = { u: Number(last.order_ms), i: last.id }
      }
    }
    const day = new Date().toISOString().slice(0, 10)
    reply.header('content-type', 'text/csv; charset=utf-8')
    reply.header('content-disposition', `attachment; filename="engagements-${day}.csv"`)
    return reply.send(Readable.from(rows()))
  }
  const csvRoute = { onRequest: signedIn, schema: { querystring: EngagementExportQuery } }
  app.get<{ Querystring: EngagementExportQuery }>('/api/engagements/export.csv', csvRoute, exportCsv)
  app.get<{ Querystring: EngagementExportQuery }>('/api/engagements.csv', csvRoute, exportCsv)

  app.get<{ Params: EngagementParams }>('/api/engagements/:engagementId', {
    onRequest: signedIn, schema: { params: EngagementParams },
  }, async (request, reply) => {
    const who = user(request)
    const e = await getEngagement(store, who.accountId, request.params.engagementId)
    if (!e || e.lastSeq === 0 || !canRead(actorOf(who), e)) return sendError(reply, 'NOT_FOUND')
    const [events, notes] = await Promise.all([
      readEventsAfter(store, [{ a: e.accountId, e: e.id, after: Math.max(0, e.lastSeq - 5000), upTo: e.lastSeq }]),
      readNotes(store, e),
    ])
    // The timeline leaves out binary notes updates: the notes are given as text and wrap-up.
    return {
      engagement: toView(e),
      events: events.map((r) => {
        const ev = toLogEvent(r)
        delete ev.update
        return ev
      }),
      notes,
    }
  })

  await app.register(settingsRoutes, { store, engine: opts.engine })
}
