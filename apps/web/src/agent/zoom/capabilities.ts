import {
  ZOOM_OAUTH_APIS, ZOOM_OAUTH_EVENTS, ZOOM_SDK_APIS, ZOOM_SDK_EVENTS, type ZoomCapability,
} from '@switchboard/protocol/zoom-capabilities'

export type { ZoomCapability }

/** Without these the app cannot follow engagements at all. */
export const REQUIRED_CAPABILITIES = [
  'getEngagementContext', 'getEngagementStatus', 'onEngagementContextChange', 'onEngagementStatusChange',
] as const satisfies readonly ZoomCapability[]

/** What the agent app asks for in `config()`; the OAuth pair only when in-client OAuth is on. */
export function contactCenterCapabilities(options: { oauth?: boolean } = {}): ZoomCapability[] {
  return [...ZOOM_SDK_APIS, ...ZOOM_SDK_EVENTS, ...(options.oauth ? [...ZOOM_OAUTH_APIS, ...ZOOM_OAUTH_EVENTS] : [])]
}
