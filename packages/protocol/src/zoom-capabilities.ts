/**
 * The Zoom Apps SDK capabilities Switchboard uses: the agent app passes them to `config()`, and
 * the doctor prints them as the APIs and events to add on the Marketplace app (the app's
 * `config({ capabilities })` must be a subset of what the Marketplace lists). Only what the app
 * really calls: each one is a permission the operator grants.
 */

/** Contact Center APIs the agent app calls. */
export const ZOOM_SDK_APIS = [
  'getRunningContext',
  'getEngagementContext',
  'getEngagementStatus',
  'getEngagementVariableValue',
  // the encrypted app context for POST /api/session when the Home URL cookie is missing
  'getAppContext',
] as const

/** Contact Center events the agent app listens to. */
export const ZOOM_SDK_EVENTS = [
  'onEngagementContextChange',
  'onEngagementStatusChange',
  'onEngagementVariableValueChange',
] as const

/**
 * Only when in-client OAuth is on (always in a multi-tenant deployment: it is how a Zoom user's
 * account is bound). They must be on the Marketplace app as well.
 */
export const ZOOM_OAUTH_APIS = ['authorize'] as const
export const ZOOM_OAUTH_EVENTS = ['onAuthorized'] as const

export type ZoomCapability =
  | (typeof ZOOM_SDK_APIS)[number]
  | (typeof ZOOM_SDK_EVENTS)[number]
  | (typeof ZOOM_OAUTH_APIS)[number]
  | (typeof ZOOM_OAUTH_EVENTS)[number]
