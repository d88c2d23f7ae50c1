/**
 * The Zoom Apps SDK capabilities Switchboard uses: the agent app passes them to `config()`, and
 * the doctor prints them as the APIs and events to add on the Marketplace app (the app's
 * `config({ capabilities })` must be a subset of what the Marketplace lists).
 */

/** Contact Center APIs the agent app calls. */
export const ZOOM_SDK_APIS = [
  'getRunningContext',
  'getEngagementContext',
  'getEngagementStatus',
  'getEngagementVariableValue',
  'getAppVariableList',
  'getAppContext',
  // display name for the signed-in agent
  'getUserContext',
] as const

/** Contact Center events the agent app listens to. */
export const ZOOM_SDK_EVENTS = [
  'onEngagementContextChange',
  'onEngagementStatusChange',
  'onEngagementVariableValueChange',
] as const

/** Only when in-client OAuth is enabled (they must be on the Marketplace app as well). */
export const ZOOM_OAUTH_APIS = ['authorize'] as const
export const ZOOM_OAUTH_EVENTS = ['onAuthorized'] as const

export type ZoomCapability =
  | (typeof ZOOM_SDK_APIS)[number]
  | (typeof ZOOM_SDK_EVENTS)[number]
  | (typeof ZOOM_OAUTH_APIS)[number]
  | (typeof ZOOM_OAUTH_EVENTS)[number]
