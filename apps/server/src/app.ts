/**
 * The application as a function: `buildApp(deps)` returns the Fastify instance with every plugin
 * registered but not yet listening (nor `ready()`, so tests may add routes), so tests use
 * `inject()` and the process entry (server.ts) owns sockets and signals.
 * Plugin order: error handling, security headers, rate limits, health, auth, realtime, zoom, web app.
 */
import type { Duplex } from 'node:stream'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import authPlugin from './auth/plugin.ts'
import type { Config } from './config.ts'
import { errorHandler } from './errors.ts'
import rateLimit from './http/rate-limit.ts'
import { createLogger, genReqId, type Logger } from './logger.ts'
import health from './plugins/health.ts'
import securityHeaders, { requiredHeaders } from './plugins/security-headers.ts'
import webApp from './plugins/web-app.ts'
import type { Store } from './store/port.ts'
import realtimePlugin from './ws/plugin.ts'
import zoomPlugin from './zoom/plugin.ts'

export interface AppDeps {
  config: Config
  store: Store
  /** A pino logger; defaults to one built from `config.logLevel`. */
  logger?: Logger
  /** Directory of the built web app; defaults to `apps/web/dist`. */
  webRoot?: string
}

const IDLE_TIMEOUT_MS = 10_000
const REQUEST_TIMEOUT_MS = 10_000

const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
}

function clientErrorWithHeaders(headers: Record<string, string>) {
  return (err: Error & { code?: string }, socket: Duplex): void => {
    if (!socket.writable) {
      socket.destroy()
      return
    }
    const [status, text] = CLIENT_ERRORS[err.code ?? ''] ?? [400, 'Bad Request']
    const code = status === 431 ? 'PAYLOAD_TOO_LARGE' : 'VALIDATION_FAILED'
    const body = JSON.stringify({ error: { code, message: text } })
    const lines = [
      `HTTP/1.1 ${status} ${text}`,
      'content-type: application/json; charset=utf-8',
      `content-length: ${Buffer.byteLength(body)}`,
      'connection: close',
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ]
    // Destroy once written: a slow client that never ends its side must not keep it half-open.
    socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy())
  }
}

interface RealtimeLike {
  shutdown(): Promise<void>
}

const PROBES = new Set(['/healthz', '/readyz'])

function sessionSecretOf(config: Config): string {
  if (!config.sessionSecret) throw new Error('buildApp: SESSION_SECRET is not set (the process entry generates one in development)')
  return config.sessionSecret
}

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
    // Requests are strict (docs/protocol.md): an unknown field is refused with 400
    // VALIDATION_FAILED, not silently dropped (Fastify's default removes it).
    ajv: { customOptions: { removeAdditional: false } },
    // Slowloris: a request must arrive whole within REQUEST_TIMEOUT_MS and a silent socket is cut
    // after IDLE_TIMEOUT_MS. Upgraded WebSockets are exempt (ws clears the socket timeout) and are
    // kept alive by their own heartbeat.
    connectionTimeout: IDLE_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    http: { connectionsCheckingInterval: 2_000 },
    // Errors the HTTP parser raises before Fastify sees a request (oversized headers, garbage)
    // still answer with the four headers Zoom requires.
    clientErrorHandler: clientErrorWithHeaders(requiredHeaders(config)),
  })

  app.setErrorHandler(errorHandler)
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id)
    // Node's requestTimeout stops watching once headers are in; a body trickled a byte at a
    // time must not hold the connection either.
    const raw = request.raw
    if (raw.headers['content-length'] !== undefined || raw.headers['transfer-encoding'] !== undefined) {
      const timer = setTimeout(() => {
        // (An injected request's stand-in socket has no destroy: nothing to cut there.)
        if (!raw.complete) (raw.socket as { destroy?: () => void } | null)?.destroy?.()
      }, REQUEST_TIMEOUT_MS)
      timer.unref()
      const clear = () => clearTimeout(timer)
      raw.once('end', clear)
      raw.once('close', clear)
    }
  })
  // Sockets must be told "going away" before the HTTP server waits for connections to end.
  app.addHook('preClose', async () => {
    const realtime = (app as unknown as { realtime?: RealtimeLike }).realtime
    await realtime?.shutdown()
  })

  try {
    await app.register(securityHeaders, { config })
    await app.register(rateLimit, {
      userPerMinute: config.rateLimit.userPerMinute, ipPerMinute: config.rateLimit.ipPerMinute, sessionSecret: sessionSecretOf(config),
    })
    await app.register(health, { store })
    await app.register(authPlugin, { config, store })
    await app.register(realtimePlugin, { config, store })
    await app.register(zoomPlugin, { config, store })
    await app.register(webApp, deps.webRoot === undefined ? { config } : { config, webRoot: deps.webRoot })
  } catch (error) {
    // A plugin refused to start (e.g. another SESSION_SECRET in the cluster): stop what the
    // earlier ones started (listeners, timers) before reporting it.
    await app.close().catch(() => {})
    throw error
  }
  return app
}
