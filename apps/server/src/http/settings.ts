/**
 *   GET|PUT /api/settings/thresholds   alert thresholds (supervisor/admin); boards get them live
 *   GET     /api/settings/dispositions disposition list for wrap-up (any signed-in user)
 *   GET|PUT /api/settings/account      `{ dispositions }` (PUT: supervisor/admin)
 */
import type { FastifyInstance } from 'fastify'
import type { AlertThresholds } from '@switchboard/protocol'
import { AccountSettings, ThresholdsBody } from '@switchboard/protocol/rest'
import { getDispositions, getThresholds, setDispositions, setThresholds } from '../store/account-settings.ts'
import type { Store } from '../store/port.ts'
import type { Engine } from '../ws/engine.ts'

export async function settingsRoutes(app: FastifyInstance, opts: { store: Store; engine: Engine }): Promise<void> {
  const { store, engine } = opts
  const supervisor = app.requireRole('supervisor')
  const signedIn = app.requireRole('agent')

  app.get('/api/settings/thresholds', { onRequest: supervisor }, async (request) => {
    return getThresholds(store, request.sessionUser!.accountId)
  })

  app.put<{ Body: AlertThresholds }>('/api/settings/thresholds', {
    onRequest: supervisor, schema: { body: ThresholdsBody },
  }, async (request) => {
    const accountId = request.sessionUser!.accountId
    const saved = await store.transaction(async (tx) => {
      const t = await setThresholds(tx, accountId, request.body)
      await engine.bus?.publish(tx, { s: [accountId] })
      return t
    })
    engine.boards.markThresholds(accountId)
    return saved
  })

  app.get('/api/settings/dispositions', { onRequest: signedIn }, async (request) => {
    return { dispositions: await getDispositions(store, request.sessionUser!.accountId) }
  })

  app.get('/api/settings/account', { onRequest: signedIn }, async (request) => {
    return { dispositions: await getDispositions(store, request.sessionUser!.accountId) }
  })

  app.put<{ Body: AccountSettings }>('/api/settings/account', {
    onRequest: supervisor, schema: { body: AccountSettings },
  }, async (request) => {
    return { dispositions: await setDispositions(store, request.sessionUser!.accountId, request.body.dispositions) }
  })
}
