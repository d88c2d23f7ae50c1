/**
 * Structured logs (pino). Secrets never reach a log line: credential headers are redacted and
 * token-like query values are masked in logged URLs.
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

const SECRET_QUERY = /token|code|state|secret|password|key|context|verifier|signature|sig$|account/i

/** Masks the values of token-like query parameters: `/ws?token=abc` → `/ws?token=[redacted]`. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?')
  if (q < 0) return url
  const params = new URLSearchParams(url.slice(q + 1))
  let changed = false
  for (const key of new Set(params.keys())) {
    if (SECRET_QUERY.test(key)) {
      params.set(key, '[redacted]')
      changed = true
    }
  }
  if (!changed) return url
  return `${url.slice(0, q)}?${params.toString().replaceAll('%5Bredacted%5D', '[redacted]')}`
}

interface LoggableRequest {
  id?: string
  method?: string
  url?: string
  host?: string
  ip?: string
  headers?: Record<string, unknown>
  socket?: { remotePort?: number }
}

function serializeRequest(req: LoggableRequest) {
  return {
    method: req.method,
    url: redactUrl(req.url ?? ''),
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
