/**
 * Zoom Contact Center event notifications, as Zoom posts them to `POST /api/zoom/webhooks`:
 * `{ event, event_ts, payload: { account_id, object } }`, object fields as in Zoom's documented
 * examples (see docs/zoom-webhooks.md for what is verified and what is assumed). The server
 * reads them; the Zoom client emulator, tests and the load generator build them here, so every
 * sender and the receiver agree on one shape. Signing is the sender's (it needs the secret).
 */

export const ZOOM_WEBHOOK_PATH = '/api/zoom/webhooks'
export const ZOOM_EVENT_PREFIX = 'contact_center.'

/** Engagement events Switchboard maps into engagement ops (subscribe to these). */
export const ZOOM_ENGAGEMENT_EVENTS = [
  'engagement_started',
  'engagement_user_answered',
  'engagement_user_hold',
  'engagement_user_unhold',
  'engagement_transfer_completed',
  'engagement_user_ended',
  'engagement_wrap_up_started',
  'engagement_wrap_up_ended',
  'engagement_disposition_added',
  'engagement_ended',
] as const
/** Agent events Switchboard keeps on the roster (subscribe to these). */
export const ZOOM_USER_EVENTS = ['user_status_changed', 'user_login', 'user_logout'] as const

export type ZoomEngagementEvent = (typeof ZOOM_ENGAGEMENT_EVENTS)[number]
export type ZoomUserEvent = (typeof ZOOM_USER_EVENTS)[number]

/** Full names, as the Marketplace lists them under Event Subscriptions → Contact Center. */
export const ZOOM_SUBSCRIBED_EVENTS: readonly string[] = [...ZOOM_ENGAGEMENT_EVENTS, ...ZOOM_USER_EVENTS].map((e) => ZOOM_EVENT_PREFIX + e)

/**
 * The webhooks' `channel_source` and the Zoom Apps SDK's `source` for the same thing (the SDK
 * joins channel and source in camel case). Inferred from both sides' documented values; a value
 * not listed is not translated.
 */
export const ZOOM_CHANNEL_SOURCES: Readonly<Record<string, string>> = {
  in_app_video: 'video_inAppVideo',
  web_video: 'video_webVideo',
  kiosk_video: 'video_kiosk',
  web_chat: 'messaging_webChat',
  in_app_chat: 'messaging_inAppChat',
  facebook_messenger: 'messaging_facebook',
  whatsapp: 'messaging_whatsapp',
  sms: 'messaging_sms',
}

/** The webhook `channel_source` for an SDK `source`, when there is one. */
export function webhookChannelSource(sdkSource: string | undefined): string | undefined {
  if (!sdkSource) return undefined
  return Object.entries(ZOOM_CHANNEL_SOURCES).find(([, v]) => v === sdkSource)?.[0]
}

/** `GET /api/dev/zoom-webhooks` (dev sign-in only): what the emulator needs to sign its webhooks. */
export interface DevWebhookSettings {
  /** The development Secret Token, when the server generated it (never one an operator set). */
  secretToken: string | null
  /** Why there is no token to sign with, when there is none. */
  reason?: string
}

export interface ZoomWebhookBody {
  event: string
  event_ts: number
  payload: { account_id: string; object: Record<string, unknown> }
}

export interface ZoomEngagementFields {
  engagementId: string
  /** The agent the event is about (absent on engagement_started and engagement_ended). */
  userId?: string
  userName?: string
  direction?: 'inbound' | 'outbound'
  channel?: 'voice' | 'video' | 'messaging' | 'email'
  /** Webhook spelling: in_app_video, web_video, web_chat, sms, ... */
  channelSource?: string
  queueId?: string
  queueName?: string
  consumer?: { id?: string; name?: string; number?: string }
  transferTo?: { userId?: string; userName?: string; queueId?: string; queueName?: string; type?: 'warm' | 'direct' }
  disposition?: { id?: string; name: string }
  /** When it happened (epoch ms); sent as ISO 8601 `date_time_ms`, as Zoom does. */
  at: number
}

function put(o: Record<string, unknown>, k: string, v: unknown): void {
  if (v !== undefined && v !== null && v !== '') o[k] = v
}

export function zoomEngagementEvent(
  event: ZoomEngagementEvent, accountId: string, f: ZoomEngagementFields, eventTs: number = f.at,
): ZoomWebhookBody {
  const o: Record<string, unknown> = { engagement_id: f.engagementId }
  put(o, 'engagement_direction', f.direction ?? 'inbound')
  put(o, 'channel', f.channel)
  put(o, 'channel_source', f.channelSource)
  put(o, 'date_time_ms', new Date(f.at).toISOString())
  if (event !== 'engagement_started' && event !== 'engagement_ended') {
    put(o, 'cc_queue_id', f.queueId)
    put(o, 'queue_name', f.queueName)
    put(o, 'user_id', f.userId)
    put(o, 'user_display_name', f.userName)
    put(o, 'consumer_id', f.consumer?.id)
    put(o, 'consumer_display_name', f.consumer?.name)
    put(o, 'consumer_number', f.consumer?.number)
  }
  if (event === 'engagement_transfer_completed' && f.transferTo) {
    put(o, 'transfer_type', f.transferTo.type ?? 'warm')
    put(o, 'transfer_to_user_id', f.transferTo.userId)
    put(o, 'transfer_to_user_display_name', f.transferTo.userName)
    put(o, 'transfer_to_cc_queue_id', f.transferTo.queueId)
    put(o, 'transfer_to_queue_name', f.transferTo.queueName)
  }
  if (event === 'engagement_disposition_added' && f.disposition) {
    put(o, 'disposition_id', f.disposition.id)
    put(o, 'disposition_name', f.disposition.name)
  }
  return { event: ZOOM_EVENT_PREFIX + event, event_ts: eventTs, payload: { account_id: accountId, object: o } }
}

export interface ZoomUserFields {
  userId: string
  displayName?: string
  email?: string
  /** user_status_changed: Zoom's status (Ready, Not Ready, Occupied, Offline) and sub-status. */
  status?: { id?: string; name: string; subId?: string; subName?: string }
  previous?: { id?: string; name: string; subId?: string; subName?: string }
  at: number
}

export function zoomUserEvent(event: ZoomUserEvent, accountId: string, f: ZoomUserFields, eventTs: number = f.at): ZoomWebhookBody {
  const o: Record<string, unknown> = { user_id: f.userId }
  put(o, 'display_name', f.displayName)
  put(o, 'user_email', f.email)
  if (event === 'user_status_changed') {
    put(o, 'previous_status_id', f.previous?.id)
    put(o, 'previous_status_name', f.previous?.name)
    put(o, 'previous_sub_status_id', f.previous?.subId)
    put(o, 'previous_sub_status_name', f.previous?.subName)
    put(o, 'current_status_id', f.status?.id)
    put(o, 'current_status_name', f.status?.name)
    put(o, 'current_sub_status_id', f.status?.subId)
    put(o, 'current_sub_status_name', f.status?.subName)
  }
  put(o, 'date_time_ms', new Date(f.at).toISOString())
  return { event: ZOOM_EVENT_PREFIX + event, event_ts: eventTs, payload: { account_id: accountId, object: o } }
}

/** Contact Center statuses as Zoom names them (GET /contact_center/users `status_name`). */
export const ZOOM_AGENT_STATUSES = ['Ready', 'Not Ready', 'Occupied', 'Offline'] as const
/** Not Ready reasons as Zoom names them (`sub_status_name`). */
export const ZOOM_NOT_READY_REASONS = ['Break', 'Meal', 'Meeting', 'Training', 'End Shift'] as const
