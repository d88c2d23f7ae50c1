/**
 * What the emulated Zoom client sends over the bridge, typed from `@zoom/appssdk` itself: the
 * replies are the SDK's response types as the client posts them (before the SDK's compatibility
 * maps), and the events its event types. A change in the SDK's types fails the type check here
 * instead of drifting from a hand-written copy.
 */
import type * as Sdk from '@zoom/appssdk'

export type ZoomApiName = Sdk.Apis
export type ZoomEngagementContext = Sdk.EngagementContext['engagementContext']
export type ZoomEngagementStatus = Sdk.EngagementStatus['engagementStatus']
export type Channel = ZoomEngagementStatus['channel']
export type EngagementState = ZoomEngagementStatus['state']
export type ZoomSource = ZoomEngagementStatus['source']
export type ZoomConsumer = ZoomEngagementStatus['consumers'][number]
export type ZoomVariable = Sdk.GetEngagementVariableValueResponse['variables'][number]
export type ZoomAppVariable = Sdk.GetAppVariableListResponse['variables'][number]
export type RunningContext = Sdk.RunningContext

/** Each API's reply as the client posts it (`result` of the bridge's `apiResponse`). */
export interface ZoomReplies {
  config: Sdk.ConfigResponse
  /** The client answers the bare context; the SDK wraps it as `{ context }`. */
  getRunningContext: Sdk.RunningContextResponse['context']
  getEngagementContext: Sdk.EngagementContext
  getEngagementStatus: Sdk.EngagementStatus
  getEngagementVariableValue: Sdk.GetEngagementVariableValueResponse
  getAppVariableList: Sdk.GetAppVariableListResponse
  getAppContext: Sdk.GetAppContextResponse
  getUserContext: Sdk.GetUserContextResponse
}

/**
 * `onEngagementStatusChange` carries only the fields that changed, plus `engagementId` (the SDK's
 * type lists every field of a full status; Zoom sends the diff).
 */
export interface StatusChangeEvent {
  engagementStatus: Pick<Sdk.EngagementStatusEvent['engagementStatus'], 'engagementId'>
    & Partial<Sdk.EngagementStatusEvent['engagementStatus']>
  timestamp: Sdk.EngagementStatusEvent['timestamp']
}

export type ZoomEvent =
  | { name: 'onEngagementContextChange'; data: Sdk.EngagementContextEvent }
  | { name: 'onEngagementStatusChange'; data: StatusChangeEvent }
  | { name: 'onEngagementVariableValueChange'; data: Sdk.onEngagementVariableValueChangeEvent }
  | { name: 'onAuthorized'; data: Sdk.OnAuthorizedEvent }

export type ZoomEventName = ZoomEvent['name']

/** A reply the bridge posts: a result, or Zoom's error code and message. */
export type ApiReply = { result: unknown } | { errorCode: number; errorMessage: string }

export const CHANNELS = ['voice', 'video', 'messaging', 'email'] as const satisfies readonly Channel[]
export const STATES = ['active', 'inactive', 'wrap-up', 'end'] as const satisfies readonly EngagementState[]
/** Zoom's `source` values per channel (voice and email have none). */
export const SOURCES: Record<Channel, readonly ZoomSource[]> = {
  voice: [''],
  video: ['video_webVideo', 'video_inAppVideo', 'video_kiosk'],
  messaging: ['messaging_webChat', 'messaging_inAppChat', 'messaging_facebook', 'messaging_whatsapp', 'messaging_sms'],
  email: [''],
}

/** Running contexts worth trying the agent app in (only `inContactCenter` is its home). */
export const RUNNING_CONTEXTS = ['inContactCenter', 'inMainClient', 'inMeeting', 'inPhone'] as const satisfies readonly RunningContext[]

/** Error codes Zoom documents for the Contact Center APIs (@zoom/appssdk's sdk.d.ts). */
export const ZOOM_CODES = { NOT_IN_CONTACT_CENTER: 10242, NOT_IN_ENGAGEMENT: 10243 } as const
