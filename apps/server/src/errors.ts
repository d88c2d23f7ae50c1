/**
 * One error shape for every HTTP error: `{ error: { code, message, requestId, details? } }`, with
 * codes from the protocol catalog. 5xx responses never carry internals (they are logged instead).
 */
import { AppError, ERRORS, type ErrorCode } from '@switchboard/protocol'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { isUnavailable } from './store/errors.ts'

/** Matches the protocol's `HttpError` schema. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; requestId: string; details?: unknown }
}

export function errorBody(code: ErrorCode, requestId: string, message?: string, details?: unknown): ErrorBody {
  const error: ErrorBody['error'] = { code, message: message ?? ERRORS[code].message, requestId }
  if (details !== undefined) error.details = details
  return { error }
}

/** Sends a catalog error with the catalog's status. */
export function sendError(reply: FastifyReply, code: ErrorCode, message?: string, details?: unknown): FastifyReply {
  return reply.code(ERRORS[code].status).send(errorBody(code, reply.request.id, message, details))
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'RATE_LIMITED',
  503: 'UNAVAILABLE',
}

export function errorHandler(error: FastifyError | AppError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof AppError) {
    if (error.status >= 500) request.log.error({ err: error }, 'request failed')
    return reply.code(error.status).send(errorBody(error.code, request.id, error.message, error.details))
  }
  const fastifyError = error as FastifyError
  if (fastifyError.validation) {
    const details = fastifyError.validation.map((v) => ({ path: v.instancePath, message: v.message }))
    return reply.code(400).send(errorBody('VALIDATION_FAILED', request.id, fastifyError.message, details))
  }
  const status = fastifyError.statusCode
  if (status !== undefined && status >= 400 && status < 500) {
    // Framework 4xx errors (bad JSON, body too large, wrong content type…) describe the request, not us.
    const code = CODE_BY_STATUS[status] ?? 'VALIDATION_FAILED'
    return reply.code(status).send(errorBody(code, request.id, fastifyError.message))
  }
  if (isUnavailable(error)) {
    // The database is unreachable or timed out: the client may retry (not a bug of ours, no stack).
    request.log.warn({ code: (error as { code?: unknown }).code, reason: error.message }, 'request failed: database unavailable')
    reply.header('retry-after', '1')
    return reply.code(503).send(errorBody('UNAVAILABLE', request.id, 'The database is unreachable; retry shortly.'))
  }
  request.log.error({ err: error }, 'request failed')
  const code: ErrorCode = status === 503 ? 'UNAVAILABLE' : 'INTERNAL'
  return reply.code(status === 503 ? 503 : 500).send(errorBody(code, request.id))
}

/** JSON 404 for unknown routes (the web app plugin serves HTML pages before falling back to this). */
export function notFoundJson(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply.code(404).send(errorBody('ROUTE_NOT_FOUND', request.id))
}
