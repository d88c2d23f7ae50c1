/**
 * Zoom Contact Center webhook envelopes: `{ event, event_ts (ms), payload: { account_id, object } }`
 * (developers.zoom.us/docs/api/webhooks; the Contact Center events spec). The body carries no
 * delivery id, so a delivery is known by event + event_ts + the engagement or user it is about.
 */
import { createHash } from 'node:crypto'
import {
  ZOOM_ENGAGEMENT_EVENTS, ZOOM_EVENT_PREFIX as PREFIX, ZOOM_USER_EVENTS, type ZoomEngagementEvent, type ZoomUserEvent,
} from '@switchboard/protocol/zoom-webhooks'

/**
 * Events that change what Switchboard shows (the doctor prints them as the ones to subscribe
 * to); any other event is accepted, counted and ignored.
 */
export type EngagementEventName = ZoomEngagementEvent
export type KnownEventName = ZoomEngagementEvent | ZoomUserEvent

const KNOWN = new Set<string>([...ZOOM_ENGAGEMENT_EVENTS, ...ZOOM_USER_EVENTS])

export interface Envelope {
  /** The full event name, e.g. `contact_center.engagement_ended`. */
  event: string
  /** `event_ts`, epoch ms. */
  eventTs: number
  /** Zoom's account id, as sent (never stored or logged in clear). */
  zoomAccountId: string
  object: Record<string, unknown>
}

export type EnvelopeResult = { ok: true; envelope: Envelope } | { ok: false; problem: string }

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** The envelope of an event notification (not `endpoint.url_validation`). */
export function parseEnvelope(body: unknown): EnvelopeResult {
  if (!isRecord(body)) return { ok: false, problem: 'the body is not a JSON object' }
  const { event, event_ts: ts, payload } = body
  if (typeof event !== 'string' || event.length === 0 || event.length > 128) return { ok: false, problem: '/event must be a string' }
  const eventTs = typeof ts === 'number' ? ts : typeof ts === 'string' && /^\d+$/.test(ts) ? Number(ts) : NaN
  if (!Number.isSafeInteger(eventTs) || eventTs <= 0) return { ok: false, problem: '/event_ts must be epoch milliseconds' }
  if (!isRecord(payload)) return { ok: false, problem: '/payload must be an object' }
  const account = payload['account_id']
  if (typeof account !== 'string' || account.length === 0 || account.length > 128) return { ok: false, problem: '/payload/account_id must be a string' }
  const object = payload['object']
  if (!isRecord(object)) return { ok: false, problem: '/payload/object must be an object' }
  return { ok: true, envelope: { event, eventTs, zoomAccountId: account, object } }
}

/** The short name (`engagement_ended`) of an event Switchboard uses, or null for any other. */
export function knownEvent(event: string): KnownEventName | null {
  if (!event.startsWith(PREFIX)) return null
  const name = event.slice(PREFIX.length)
  return KNOWN.has(name) ? (name as KnownEventName) : null
}

export function isEngagementEvent(name: KnownEventName): name is EngagementEventName {
  return name.startsWith('engagement_')
}

export function str(o: Record<string, unknown>, k: string): string | undefined {
  const v = o[k]
  if (typeof v === 'string') return v.length > 0 && v.length <= 512 ? v : undefined
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  return undefined
}

/**
 * When the fact happened, epoch ms: `date_time_ms` (ISO 8601 with ms in Zoom's samples), else
 * `date_time` (one third-party handler reads it), else the envelope's `event_ts`.
 */
export function factTime(e: Envelope): number {
  return objectTime(e.object, e.eventTs)
}

export function objectTime(object: Record<string, unknown>, eventTs: number): number {
  for (const k of ['date_time_ms', 'date_time']) {
    const v = object[k]
    const n = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN
    if (Number.isFinite(n) && n > 0) return Math.round(n < 1e11 ? n * 1000 : n)
  }
  return eventTs
}

/** What a delivery is about: the engagement, else the user. */
export function subjectOf(e: Envelope): { engagementId: string | null; userId: string | null } {
  return { engagementId: str(e.object, 'engagement_id') ?? null, userId: str(e.object, 'user_id') ?? null }
}

/**
 * The key a retried delivery repeats: event + event_ts + engagement or user id (Zoom sends no
 * delivery id; whether `x-zm-request-id` survives a retry is not documented).
 */
export function deliveryKey(e: Envelope): string {
  const { engagementId, userId } = subjectOf(e)
  return createHash('sha256')
    .update(`${e.event}\0${e.eventTs}\0${engagementId ?? ''}\0${userId ?? ''}`)
    .digest('base64url').slice(0, 32)
}
