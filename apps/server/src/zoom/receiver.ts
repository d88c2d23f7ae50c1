/**
 * `POST /api/zoom/webhooks`: Zoom's event notifications for Contact Center.
 *
 * In order, each with its answer (Zoom retries only on 5xx or no answer within 3 s):
 *   no secret configured            404 WEBHOOKS_DISABLED
 *   body over MAX_BODY_BYTES        413 PAYLOAD_TOO_LARGE
 *   signature headers missing       401 WEBHOOK_SIGNATURE_INVALID
 *   timestamp unreadable, or more
 *     than 5 minutes off our clock  401 WEBHOOK_TIMESTAMP_INVALID
 *   signature does not match the
 *     raw body (tampered, forged)   401 WEBHOOK_SIGNATURE_INVALID
 *   body not JSON                   400 BAD_JSON
 *   endpoint.url_validation         200 { plainToken, encryptedToken }
 *   envelope or required ids absent 400 VALIDATION_FAILED
 *   an event Switchboard does not
 *     use                           200 { outcome: "unknown-event" }   (counted, nothing stored)
 *   an account not served here      200 { outcome: "unknown-account" } (counted, nothing stored or created)
 *   the same delivery again         200 { outcome: "duplicate" }       (nothing written)
 *   accepted                        200 { outcome: "accepted" }        (persisted first, applied right after)
 *   database unreachable or slow    503 UNAVAILABLE                    (Zoom retries; nothing half-written)
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ZOOM_WEBHOOK_PATH } from '@switchboard/protocol/zoom-webhooks'
import { sendError } from '../errors.ts'
import type { Store } from '../store/port.ts'
import { Batcher } from './batcher.ts'
import { insertDeliveries, type Delivery } from './deliveries.ts'
import { deliveryKey, knownEvent, parseEnvelope, subjectOf } from './events.ts'
import { mapEvent, STATE_EVENTS } from './mapping.ts'
import type { ReceivedOutcome, ZoomMetrics } from './metrics.ts'
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, urlValidationReply, verifySignature } from './signature.ts'
import type { AccountLookup } from './tenancy.ts'

/** Zoom's Contact Center notifications are a few KB; this leaves room for unknown events. */
export const MAX_BODY_BYTES = 256 * 1024
/** Persisting must finish well inside Zoom's 3 s, or Zoom counts the delivery failed anyway. */
const PERSIST_DEADLINE_MS = 2500

export interface ReceiverDeps {
  store: Store
  secret: string | undefined
  accounts: AccountLookup
  metrics: ZoomMetrics
  /** Called with each accepted delivery after it is persisted (the answer is already on its way). */
  accepted(delivery: Delivery): void
  now?: () => number
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name]
  return Array.isArray(v) ? v[0] : v
}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from the database within ${ms} ms`)), ms)
    }),
  ])
}

export async function webhookRoutes(app: FastifyInstance, deps: ReceiverDeps): Promise<void> {
  const now = deps.now ?? Date.now
  const count = (o: ReceivedOutcome) => deps.metrics.received[o]++
  // Deliveries arriving together are stored in one statement and one commit.
  const inserts = new Batcher((list: Delivery[]) => insertDeliveries(deps.store, list, STATE_EVENTS))

  // The signature covers the raw bytes: keep them, whatever the content type says.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (_req, body, done) => done(null, body))
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    if (error.statusCode === 413) {
      count('too_large')
      return sendError(reply, 'PAYLOAD_TOO_LARGE', `The body is larger than ${MAX_BODY_BYTES} bytes.`)
    }
    throw error
  })

  app.post(ZOOM_WEBHOOK_PATH, { bodyLimit: MAX_BODY_BYTES }, async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', 'no-store')
    const secret = deps.secret
    if (secret === undefined) {
      count('disabled')
      return sendError(reply, 'WEBHOOKS_DISABLED')
    }
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
    const verified = verifySignature({
      secret, signature: header(request, SIGNATURE_HEADER), timestamp: header(request, TIMESTAMP_HEADER), rawBody: raw, now: now(),
    })
    if (!verified.ok) {
      const timestamp = verified.reason.endsWith('timestamp')
      count(timestamp ? 'bad_timestamp' : 'bad_signature')
      request.log.warn({ reason: verified.reason }, 'zoom webhook refused')
      return sendError(reply, timestamp ? 'WEBHOOK_TIMESTAMP_INVALID' : 'WEBHOOK_SIGNATURE_INVALID')
    }
    let body: unknown
    try {
      body = JSON.parse(raw.toString('utf8'))
    } catch {
      count('bad_json')
      return sendError(reply, 'BAD_JSON', 'The body is not valid JSON.')
    }

    const b = body as { event?: unknown; payload?: { plainToken?: unknown } } | null
    if (b?.event === 'endpoint.url_validation') {
      const plainToken = b.payload?.plainToken
      if (typeof plainToken !== 'string' || plainToken.length === 0 || plainToken.length > 512) {
        count('unusable')
        return sendError(reply, 'VALIDATION_FAILED', '/payload/plainToken must be a string')
      }
      count('url_validation')
      return urlValidationReply(secret, plainToken)
    }

    const parsed = parseEnvelope(body)
    if (!parsed.ok) {
      count('unusable')
      return sendError(reply, 'VALIDATION_FAILED', parsed.problem)
    }
    const envelope = parsed.envelope
    if (!knownEvent(envelope.event)) {
      count('unknown_event')
      return { outcome: 'unknown-event' }
    }
    const mapped = mapEvent(envelope)
    if (mapped.kind === 'unusable') {
      count('unusable')
      return sendError(reply, 'VALIDATION_FAILED', mapped.problem)
    }

    let outcome: 'accepted' | 'duplicate' | 'unknown-account'
    let delivery: Delivery | undefined
    try {
      outcome = await withDeadline((async () => {
        const accountId = await deps.accounts.resolve(deps.store, envelope.zoomAccountId)
        if (accountId === null) return 'unknown-account'
        const { engagementId, userId } = subjectOf(envelope)
        delivery = {
          accountId, key: deliveryKey(envelope), event: envelope.event, eventTs: envelope.eventTs,
          engagementId, userId, object: envelope.object, receivedAt: now(),
        }
        const stored = await inserts.add(delivery)
        delivery.history = stored.history
        return stored.inserted ? 'accepted' : 'duplicate'
      })(), PERSIST_DEADLINE_MS)
    } catch (err) {
      count('unavailable')
      request.log.warn({ err }, 'zoom webhook not persisted: answering 503 so Zoom retries')
      return sendError(reply, 'UNAVAILABLE', 'The delivery could not be stored; retry later.')
    }
    count(outcome === 'unknown-account' ? 'unknown_account' : outcome)
    if (outcome === 'accepted' && delivery) {
      const d = delivery
      // After the answer is sent: Zoom's 3 s never wait for the engagement's commit.
      setImmediate(() => deps.accepted(d))
    }
    return { outcome }
  })
}
