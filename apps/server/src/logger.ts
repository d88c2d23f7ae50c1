/**
 * Structured logs (pino). Neither secrets nor customer text reach a log line: credential headers
 * are redacted; in logged URLs every query value is masked (a history search term is words from
 * notes; others are tokens, codes or account ids) and the ids in a route's path (user and
 * engagement ids are personal data) appear as the route's parameter names.
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino'
import type { Config } from './config.ts'

export type { Logger }

const SECRET_HEADERS = ['authorization', 'cookie', 'set-cookie', 'x-zoom-app-context', 'proxy-authorization']

export const REDACT_PATHS = [
  ...SECRET_HEADERS.flatMap((h) => [`req.headers["${h}"]`, `res.headers["${h}"]`, `headers["${h}"]`]),
  '*.token', '*.accessToken', '*.refreshToken', '*.password', '*.clientSecret', '*.sessionSecret',
  '*.context', '*.code_verifier', '*.codeVerifier',
]

/**
 * Masks every query value (`/api/engagements?q=refund&limit=5` → `?q=[redacted]&limit=[redacted]`);
 * with `route` (the matched pattern, e.g. `/api/engagements/:engagementId`) a path carrying
 * parameters is logged as that pattern.
 */
export function redactUrl(url: string, route?: string): string {
  const q = url.indexOf('?')
  const path = route !== undefined && route.includes(':') ? route : q < 0 ? url : url.slice(0, q)
  if (q < 0) return path
  const keys = new Set(new URLSearchParams(url.slice(q + 1)).keys())
  return `${path}?${[...keys].map((k) => `${encodeURIComponent(k).slice(0, 64)}=[redacted]`).join('&')}`
}

interface LoggableRequest {
  id?: string
  method?: string
  url?: string
  host?: string
  ip?: string
  headers?: Record<string, unknown>
  socket?: { remotePort?: number }
  /** Fastify's request: the matched route's pattern. */
  routeOptions?: { url?: string }
}

function serializeRequest(req: LoggableRequest) {
  return {
    method: req.method,
    url: redactUrl(req.url ?? '', req.routeOptions?.url),
    host: req.host ?? req.headers?.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  }
}

export function createLogger(
  config: Pick<Config, 'logLevel' | 'nodeId'>,
  destination?: DestinationStream,
): Logger {
  const options = {
    level: config.logLevel,
    base: { node: config.nodeId },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: { req: serializeRequest, err: stdSerializers.err },
  }
  return destination ? pino(options, destination) : pino(options)
}

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/

/** Honours a well-formed incoming `x-request-id` (from a proxy), otherwise a fresh UUID. */
export function genReqId(req: IncomingMessage): string {
  const header = req.headers['x-request-id']
  const value = Array.isArray(header) ? header[0] : header
  return value !== undefined && SANE_REQUEST_ID.test(value) ? value : randomUUID()
}

/**
 * One log line per `intervalMs` at most, for events any client can cause at will (oversized or
 * malformed WebSocket frames): the lines skipped since the last one are counted in the next
 * (`suppressed`), so the log shows the rate without letting a client fill it.
 */
export class ThrottledLog {
  private readonly intervalMs: number
  private last = Number.NEGATIVE_INFINITY
  private suppressed = 0

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs
  }

  /** Logs `msg` at warn level unless a line went out less than `intervalMs` ago; true when logged. */
  warn(logger: Pick<Logger, 'warn'>, fields: Record<string, unknown>, msg: string, now = Date.now()): boolean {
    if (now - this.last < this.intervalMs) {
      this.suppressed++
      return false
    }
    logger.warn(this.suppressed > 0 ? { ...fields, suppressed: this.suppressed } : fields, msg)
    this.last = now
    this.suppressed = 0
    return true
  }
}
