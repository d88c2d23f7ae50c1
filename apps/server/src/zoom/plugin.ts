/**
 * The `zoom` plugin: Zoom Contact Center's webhooks and REST API feeding the same engagement
 * log as the agent app (docs/zoom-webhooks.md). Registered by `buildApp` after `realtime`.
 *   - `POST /api/zoom/webhooks` (receiver.ts): verified, persisted, then applied (processor.ts)
 *     through `app.realtime.submit`, the writer's port for ops that come from no socket;
 *   - agent status changes go to the roster on every node (boards re-read the agent);
 *   - with ZOOM_S2S_*: the REST backfill on start, after a database outage, and every
 *     ZOOM_SYNC_INTERVAL_MS (backfill.ts).
 * Decorates `app.zoom` with the processor, the backfill and the counters (in `/metrics`).
 */
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { DevWebhookSettings } from '@switchboard/protocol/zoom-webhooks'
import type { Config } from '../config.ts'
import { sendError } from '../errors.ts'
import type { Store } from '../store/port.ts'
import { ZoomBackfill } from './backfill.ts'
import { ZoomMetrics } from './metrics.ts'
import { ZoomProcessor } from './processor.ts'
import { webhookRoutes } from './receiver.ts'
import { ZoomRestClient } from './rest-client.ts'
import { S2SToken } from './s2s-token.ts'
import { AccountLookup, s2sAccountRow } from './tenancy.ts'

export interface ZoomIntegration {
  readonly metrics: ZoomMetrics
  readonly processor: ZoomProcessor
  /** Null without the Server-to-Server app (ZOOM_S2S_*). */
  readonly backfill: ZoomBackfill | null
}

declare module 'fastify' {
  interface FastifyInstance {
    zoom: ZoomIntegration
  }
}

export interface ZoomPluginOptions {
  config: Config
  store: Store
}

/** How often the database's availability is looked at, to backfill once it comes back. */
const AVAILABILITY_POLL_MS = 2000
/** The first backfill waits this long after start, so a rolling restart does not stampede Zoom. */
const START_DELAY_MS = 1000

async function zoom(app: FastifyInstance, opts: ZoomPluginOptions): Promise<void> {
  const { config, store } = opts
  const { engine } = app.realtime
  const metrics = new ZoomMetrics({ registry: engine.metrics.registry, onApplied: (ms) => engine.metrics.webhookToBoard(ms) })
  const agentChanged = (accountId: string, userId: string): void => {
    engine.boards.markAgent(accountId, userId)
    engine.bus?.publish(store, { p: [[accountId, userId]] }).catch((err: unknown) => app.log.debug({ err }, 'roster publish failed'))
  }
  const processor = new ZoomProcessor({ store, submit: (input) => app.realtime.submit(input), agentChanged, metrics, logger: app.log })

  // The Zoom client emulator signs the webhooks it sends with the generated development token.
  app.get('/api/dev/zoom-webhooks', async (_request, reply) => {
    reply.header('cache-control', 'no-store')
    if (!config.devSignIn) return sendError(reply, 'DEV_SIGNIN_DISABLED')
    const body: DevWebhookSettings = config.zoom.webhookSecretGenerated && config.zoom.webhookSecretToken
      ? { secretToken: config.zoom.webhookSecretToken }
      : {
          secretToken: null,
          reason: config.zoom.webhookSecretToken
            ? 'ZOOM_WEBHOOK_SECRET_TOKEN is set on the server: the emulator is not given a token an operator set. Unset it to let the emulator sign.'
            : 'The server has no webhook Secret Token.',
        }
    return body
  })

  // The account a single-tenant deployment serves exists before its first user signs in, so
  // Zoom's webhooks about it are stored from the start (the operator named it).
  const { tenancy } = app.authSettings
  if (tenancy.mode === 'single') await store.query('insert into accounts (id) values ($1) on conflict (id) do nothing', [tenancy.accountId])

  await app.register(async (scope) => webhookRoutes(scope, {
    store, secret: config.zoom.webhookSecretToken, metrics,
    accounts: new AccountLookup({ settings: app.authSettings, s2sZoomAccountId: config.zoom.s2s?.accountId }),
    accepted: (delivery) => processor.submit(delivery),
  }))

  let backfill: ZoomBackfill | null = null
  const s2s = config.zoom.s2s
  if (s2s) {
    const token = new S2SToken({
      credentials: s2s, oauthHost: config.zoom.oauthHost, apiHost: config.zoom.apiHost, onFetch: () => metrics.tokenFetches++,
    })
    // The account the operator configured the S2S app for is served by this deployment, under
    // the same row its users sign in to.
    const accountId = s2sAccountRow(app.authSettings, s2s.accountId)
    await store.query('insert into accounts (id) values ($1) on conflict (id) do nothing', [accountId])
    backfill = new ZoomBackfill({
      store, client: new ZoomRestClient({ token, metrics }), accountId, agentChanged, metrics, logger: app.log, nodeId: config.nodeId,
      defaultRetentionDays: config.notesRetentionDays,
      submit: (input) => app.realtime.submit(input),
    })
  }

  app.decorate('zoom', { metrics, processor, backfill })

  const timers: NodeJS.Timeout[] = []
  const runBackfill = (reason: string): void => {
    backfill?.run(reason).catch(() => {})
  }
  app.addHook('onReady', async () => {
    processor.start()
    if (!backfill) return
    timers.push(setTimeout(() => runBackfill('start'), START_DELAY_MS))
    if (config.zoom.syncIntervalMs > 0) timers.push(setInterval(() => runBackfill('interval'), config.zoom.syncIntervalMs))
    let available = engine.writer.available
    timers.push(setInterval(() => {
      const now = engine.writer.available
      if (now && !available) {
        runBackfill('database back')
        void processor.sweep()
      }
      available = now
    }, AVAILABILITY_POLL_MS))
    for (const t of timers) t.unref()
  })
  app.addHook('preClose', async () => {
    for (const t of timers) clearTimeout(t)
    await processor.stop()
  })
}

export default fp(zoom, { name: 'zoom', fastify: '5.x', dependencies: ['auth', 'realtime'] })
