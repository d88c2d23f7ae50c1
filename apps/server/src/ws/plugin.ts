/**
 * The `realtime` plugin: the WebSocket gateway (`/ws`), the engine behind it, `/metrics`,
 * and the engagement REST routes. Registered by `buildApp` after the `auth` plugin.
 * Decorates `app.realtime` with `shutdown()` (drain writes, close sockets with 1001 after a
 * `going-away` notice, close the bus) and `stats()`.
 */
import { timingSafeEqual } from 'node:crypto'
import websocket from '@fastify/websocket'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import { sendError } from '../errors.ts'
import { secretFingerprint } from '../secrets.ts'
import { engagementRoutes } from '../http/engagements.ts'
import { backupRoutes } from '../http/backup.ts'
import { retentionRoutes } from '../http/retention.ts'
import type { Store } from '../store/port.ts'
import type { Actor, Command } from '../domain/engagement/model.ts'
import { Engine, engineSettings } from './engine.ts'
import { submitOp, type OpOutcome } from './ops.ts'
import { registerGateway, socketErrorHandler } from './gateway.ts'

const ERROR_CODE = /^\{"error":\{"code":"([A-Z_]+)"/

export interface Realtime {
  /**
   * Commits an op from a source other than a socket (a Zoom webhook): same writer, rules and
   * fan-out as socket ops; resolves with the ack or the refusal (see `ops.ts`).
   */
  submit(input: { opId: string; actor: Actor; command: Command }): Promise<OpOutcome>
  shutdown(): Promise<void>
  stats(): Record<string, number>
  /** Prometheus text for `/metrics`. */
  metrics(): Promise<string>
  readonly engine: Engine
}

declare module 'fastify' {
  interface FastifyInstance {
    realtime: Realtime
  }
}

export interface RealtimeOptions {
  config: Config
  store: Store
}

async function realtime(app: FastifyInstance, opts: RealtimeOptions): Promise<void> {
  const { config, store } = opts
  if (!config.sessionSecret) throw new Error('realtime: SESSION_SECRET is not set (the process entry generates one in development)')
  const engine = new Engine({ ...engineSettings(config), store, logger: app.log, secretFingerprint: secretFingerprint(config.sessionSecret) })
  await engine.start()

  let stopGateway = (): void => {}
  let stopped: Promise<void> | undefined
  const api: Realtime = {
    engine,
    submit: (input) => submitOp(engine, input),
    shutdown() {
      stopped ??= (async () => {
        stopGateway()
        await engine.shutdown()
      })()
      return stopped
    },
    stats: () => engine.stats(),
    metrics: () => engine.metricsText(),
  }
  if (!app.hasDecorator('websocketServer')) {
    await app.register(websocket, {
      // UTF-8 is checked by our parser, which answers BAD_JSON instead of closing with 1007.
      options: { maxPayload: config.ws.maxFrameBytes, perMessageDeflate: false, skipUTF8Validation: true },
      errorHandler: socketErrorHandler(app.log),
      // Our shutdown tells every socket "going away" (1001) after draining writes.
      preClose: async function preClose(this: FastifyInstance) {
        await api.shutdown()
        // Give close handshakes a moment to finish, then cut whatever is left.
        const clients = this.websocketServer.clients
        const deadline = Date.now() + 500
        while ([...clients].some((c) => c.readyState !== c.CLOSED) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 20))
        }
        for (const client of clients) client.terminate()
      },
    })
  }
  const gateway = registerGateway(app, engine, { allowedOrigins: config.allowedOrigins, heartbeatMs: config.ws.heartbeatMs })
  stopGateway = () => gateway.stop()

  app.decorate('realtime', api)
  app.addHook('onClose', async () => {
    await api.shutdown()
  })

  // Error answers carry their catalog code first (`errors.ts`): count them by code.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode >= 400 && typeof payload === 'string') {
      const code = ERROR_CODE.exec(payload)?.[1]
      if (code) engine.metrics.httpError(code)
    }
    return payload
  })

  const metricsAuth = config.metricsToken === undefined ? null : Buffer.from(`Bearer ${config.metricsToken}`)
  app.get('/metrics', async (request, reply) => {
    if (metricsAuth !== null) {
      const given = Buffer.from(request.headers.authorization ?? '')
      if (given.length !== metricsAuth.length || !timingSafeEqual(given, metricsAuth)) {
        reply.header('www-authenticate', 'Bearer realm="metrics"')
        return sendError(reply, 'UNAUTHENTICATED', 'Send METRICS_TOKEN as a bearer token.')
      }
    }
    reply.header('content-type', engine.metrics.contentType)
    return engine.metricsText()
  })

  await app.register(engagementRoutes, { store, engine })
  await app.register(retentionRoutes, { store, engine, defaultDays: config.notesRetentionDays })
  await app.register(backupRoutes, { store, dataDir: config.dataDir })
}

export default fp(realtime, { name: 'realtime', fastify: '5.x', dependencies: ['auth'] })
