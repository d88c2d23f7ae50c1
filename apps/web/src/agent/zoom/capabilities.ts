/** The Contact Center APIs and events the agent app asks for in `config()`. */
export const CONTACT_CENTER_APIS = [
  'getRunningContext',
  'getEngagementContext',
  'getEngagementStatus',
  'getEngagementVariableValue',
  'getAppVariableList',
  'getAppContext',
  'getUserContext',
] as const

export const CONTACT_CENTER_EVENTS = [
  'onEngagementContextChange',
  'onEngagementStatusChange',
  'onEngagementVariableValueChange',
] as const

/** Only when in-client OAuth is enabled (they must be on the Marketplace app as well). */
export const OAUTH_CAPABILITIES = ['authorize', 'onAuthorized'] as const

/** Without these the app cannot follow engagements at all. */
export const REQUIRED_CAPABILITIES = [
  'getEngagementContext', 'getEngagementStatus', 'onEngagementContextChange', 'onEngagementStatusChange',
] as const

export type ZoomCapability =
  | (typeof CONTACT_CENTER_APIS)[number]
  | (typeof CONTACT_CENTER_EVENTS)[number]
  | (typeof OAUTH_CAPABILITIES)[number]

export function contactCenterCapabilities(options: { oauth?: boolean } = {}): ZoomCapability[] {
  return [...CONTACT_CENTER_APIS, ...CONTACT_CENTER_EVENTS, ...(options.oauth ? OAUTH_CAPABILITIES : [])]
}
