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
import { actorOf, toLogEvent, toView } from '../domain/engagement/model.ts'
import { sendError } from '../errors.ts'
import { getEngagement, historyPage, historyPageWithNotes, readEventsAfter, type HistoryCursor } from '../store/engagements.ts'
import type { Store } from '../store/port.ts'
import type { Engine } from '../ws/engine.ts'
import { readNotes } from '../ws/reader.ts'
import { decodeCursor, encodeCursor } from './engagement-filters.ts'
import { csvHeader, csvRow } from './csv.ts'
import { settingsRoutes } from './settings.ts'

export interface EngagementRoutesOptions {
  store: Store
  engine: Engine
}

/** Engagements read per round trip of the CSV export (streamed). */
const CSV_PAGE = 500

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
    const page = await historyPage(store, user(request), q, cursor, limit + 1)
    const items = page.slice(0, limit)
    const last = items[items.length - 1]
    return {
      items: items.map((r) => toView(r.engagement)),
      nextCursor: page.length > limit && last ? encodeCursor(last.cursor) : null,
    }
  })

  const exportCsv = async (request: { query: EngagementExportQuery; sessionUser: SessionUser | null }, reply: FastifyReply) => {
    const who = user(request)
    const filters = request.query
    async function* rows(): AsyncGenerator<string> {
      yield csvHeader()
      let cursor: HistoryCursor | null = null
      for (;;) {
        const page = await historyPageWithNotes(store, who, filters, cursor, CSV_PAGE)
        for (const r of page) yield csvRow(r.engagement, r.notes)
        const last = page[page.length - 1]
        if (page.length < CSV_PAGE || !last) return
        cursor = last.cursor
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
      readEventsAfter(store, [{ accountId: e.accountId, engagementId: e.id, afterSeq: Math.max(0, e.lastSeq - 5000), upToSeq: e.lastSeq }]),
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
