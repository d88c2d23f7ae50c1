/**
 * The application as a function: `buildApp(deps)` returns the Fastify instance with every plugin
 * registered but not yet listening (nor `ready()`, so tests may add routes), so tests use
 * `inject()` and the process entry (server.ts) owns sockets and signals.
 * Plugin order: error handling, security headers, health, auth, realtime, web app.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import authPlugin from './auth/plugin.ts'
import type { Config } from './config.ts'
import { errorHandler } from './errors.ts'
import { createLogger, genReqId, type Logger } from './logger.ts'
import health from './plugins/health.ts'
import securityHeaders from './plugins/security-headers.ts'
import webApp from './plugins/web-app.ts'
import type { Store } from './store/port.ts'
import realtimePlugin from './ws/plugin.ts'

export interface AppDeps {
  config: Config
  store: Store
  /** A pino logger; defaults to one built from `config.logLevel`. */
  logger?: Logger
  /** Directory of the built web app; defaults to `apps/web/dist`. */
  webRoot?: string
}

interface RealtimeLike {
  shutdown(): Promise<void>
}

const PROBES = new Set(['/healthz', '/readyz'])

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, store } = deps
  const app = Fastify({
    loggerInstance: (deps.logger ?? createLogger(config)) as FastifyBaseLogger,
    genReqId,
    requestIdHeader: false,
    // Health probes arrive every few seconds; logging each would drown the useful lines.
    logController: new LogController({ disableRequestLogging: (req) => PROBES.has(req.url) }),
    trustProxy: config.trustProxy,
    // During shutdown in-flight keep-alive requests still get full answers (with security
    // headers); /readyz reports 503 so the load balancer stops sending new ones.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    bodyLimit: 1024 * 1024,
  })

  app.setErrorHandler(errorHandler)
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id)
  })
  // Sockets must be told "going away" before the HTTP server waits for connections to end.
  app.addHook('preClose', async () => {
    const realtime = (app as unknown as { realtime?: RealtimeLike }).realtime
    await realtime?.shutdown()
  })

  await app.register(securityHeaders, { config })
  await app.register(health, { store })
  await app.register(authPlugin, { config, store })
  await app.register(realtimePlugin, { config, store })
  await app.register(webApp, deps.webRoot === undefined ? { config } : { config, webRoot: deps.webRoot })
  return app
}
