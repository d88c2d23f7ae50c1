/**
 * Retention and erasure, for an account's admins, and the background purge on every node.
 *   GET|PUT|DELETE /api/admin/retention            the account's retention period in days (DELETE: the default)
 *   DELETE  /api/admin/engagements/:engagementId   erase one engagement everywhere
 *   POST    /api/admin/erasures { consumerNumber } erase every engagement of that consumer number
 *   GET     /api/admin/erasures                    the audit: who erased what, when (never the content)
 * An erasure commits in one transaction with its bus notification: every node drops the hot notes
 * documents, tells and unsubscribes the sessions following the engagement, and takes it off the
 * boards (`Engine.forget`).
 */
import type { FastifyInstance } from 'fastify'
import { AppError } from '@switchboard/protocol'
import type { ConsumerErasureRequest, EngagementParams as EngagementParamsType, RetentionBody as RetentionBodyType } from '@switchboard/protocol/rest'
import { ConsumerErasureRequest as ConsumerErasureSchema, EngagementParams, RetentionBody } from '@switchboard/protocol/rest'
import {
  engagementsOfConsumer, eraseEngagements, getRetentionDays, listErasures, normalizeNumber, purgeExpired,
  setRetentionDays, type ErasedKey, type ErasureResult,
} from '../store/retention.ts'
import { sendError } from '../errors.ts'
import type { Db, Store } from '../store/port.ts'
import type { Engine } from '../ws/engine.ts'

/** First purge a minute after start, then every ten minutes. */
const FIRST_PURGE_MS = 60_000
const PURGE_INTERVAL_MS = 10 * 60_000

export interface RetentionOptions {
  store: Store
  engine: Engine
  defaultDays: number
}

export async function retentionRoutes(app: FastifyInstance, opts: RetentionOptions): Promise<void> {
  const { store, engine, defaultDays } = opts
  const admin = app.requireRole('admin')

  const publish = async (tx: Db, keys: ErasedKey[]) => {
    if (keys.length > 0) await engine.bus?.publish(tx, { x: keys })
  }
  const settings = async (accountId: string) => {
    const retentionDays = await getRetentionDays(store, accountId)
    return { retentionDays, defaultDays, effectiveDays: retentionDays ?? defaultDays }
  }
  /** Erases in one transaction with its bus notification, then forgets on this node. */
  const erase = async (accountId: string, ids: string[], reason: 'engagement' | 'consumer', by: string): Promise<ErasureResult> => {
    const result = await store.transaction(async (tx) => {
      const r = await eraseEngagements(tx, accountId, ids, reason, by)
      // Erasing an engagement that is not there writes nothing, not even the audit row.
      if (reason === 'engagement' && r.erasure.engagements === 0) throw new AppError('NOT_FOUND', 'No such engagement in your account.')
      await publish(tx, r.keys)
      return r
    })
    engine.forget(result.keys)
    return result
  }

  app.get('/api/admin/retention', { onRequest: admin }, async (request) => settings(request.sessionUser!.accountId))

  app.put<{ Body: RetentionBodyType }>('/api/admin/retention', { onRequest: admin, schema: { body: RetentionBody } }, async (request) => {
    const { accountId, id } = request.sessionUser!
    await setRetentionDays(store, accountId, request.body.retentionDays)
    request.log.info({ retentionDays: request.body.retentionDays, by: id }, 'retention period changed')
    return settings(accountId)
  })

  app.delete('/api/admin/retention', { onRequest: admin }, async (request) => {
    const { accountId, id } = request.sessionUser!
    await setRetentionDays(store, accountId, null)
    request.log.info({ retentionDays: null, by: id }, 'retention period changed')
    return settings(accountId)
  })

  app.delete<{ Params: EngagementParamsType }>('/api/admin/engagements/:engagementId', {
    onRequest: admin, schema: { params: EngagementParams },
  }, async (request) => {
    const { accountId, id } = request.sessionUser!
    const { erasure } = await erase(accountId, [request.params.engagementId], 'engagement', id)
    request.log.info({ erasure: erasure.id, engagements: erasure.engagements, by: id }, 'engagement erased')
    return { erasure }
  })

  app.post<{ Body: ConsumerErasureRequest }>('/api/admin/erasures', {
    onRequest: admin, schema: { body: ConsumerErasureSchema },
  }, async (request, reply) => {
    const { accountId, id } = request.sessionUser!
    const number = normalizeNumber(request.body.consumerNumber)
    if (number.length < 4) return sendError(reply, 'VALIDATION_FAILED', 'A consumer number needs at least 4 digits.')
    const ids = await engagementsOfConsumer(store, accountId, number)
    const { erasure } = await erase(accountId, ids, 'consumer', id)
    // The number is not logged: it is the personal data being erased.
    request.log.info({ erasure: erasure.id, engagements: erasure.engagements, by: id }, 'consumer erased')
    return { erasure }
  })

  app.get('/api/admin/erasures', { onRequest: admin }, async (request) => {
    return { items: await listErasures(store, request.sessionUser!.accountId) }
  })

  // The background purge: every node runs it; the advisory lock lets one work at a time.
  let closed = false
  let running: Promise<unknown> | null = null
  const round = () => {
    if (running) return
    running = purgeExpired(store, {
      defaultDays, publish, committed: (keys) => engine.forget(keys), stopped: () => closed,
    }).then((r) => {
      if (r.engagements > 0) app.log.info({ ...r }, 'retention purge removed expired engagements')
    }, (err: unknown) => app.log.warn({ err }, 'retention purge failed')).finally(() => {
      running = null
    })
  }
  const first = setTimeout(round, FIRST_PURGE_MS)
  const every = setInterval(round, PURGE_INTERVAL_MS)
  first.unref()
  every.unref()
  app.addHook('onClose', async () => {
    closed = true
    clearTimeout(first)
    clearInterval(every)
    await running
  })
}
