/**
 * The Zoom-facing types the agent app works with: Zoom's raw payloads normalised to the protocol
 * package's shapes (booleans for `isTransfer`/`isConference`, epoch ms for times), so what the
 * adapter emits can be forwarded to the server without another mapping.
 */
import type {
  EngagementContext, EngagementState, EngagementStatusChanges, EngagementVariable,
} from '@switchboard/protocol'

export type { EngagementContext, EngagementState, EngagementStatusChanges, EngagementVariable }

/** A full status as `getEngagementStatus` returns it (every field known at reply time). */
export interface EngagementStatusSnapshot {
  engagementId: string
  status: EngagementStatusChanges
}

export interface ZoomConfig {
  runningContext: string
  clientVersion: string
  unsupportedApis: string[]
  auth: { status: string; upgradable: boolean } | null
  product: string | null
}

/** What the adapter emits. Timestamps are the event's own, normalised to epoch milliseconds. */
export interface ZoomAdapterEvents {
  /** `onEngagementContextChange`: Zoom now shows this engagement. */
  context: { context: EngagementContext; timestamp: number }
  /** `onEngagementStatusChange`: only the fields that changed, keyed by the event's own id. */
  status: { engagementId: string; changes: EngagementStatusChanges; timestamp: number }
  /** `onEngagementVariableValueChange`: Zoom does not name the engagement (it is the current one). */
  variables: { variables: EngagementVariable[]; timestamp: number }
  /** `onAuthorized` (in-client OAuth), passed through untouched. */
  authorized: { code?: string; state?: string; redirectUri?: string; result?: boolean; [key: string]: unknown }
}

export type ZoomAdapterEventName = keyof ZoomAdapterEvents

export type HostKind = 'zoom' | 'emulator' | 'browser'
export interface HostInfo {
  kind: HostKind
  /** Why we think so, for the "not in Zoom" page and logs. */
  reason: string
}
