/**
 * What the engagement header shows, merged from Zoom (the local cache, immediate) and the server's
 * projection (arrives a moment later, and survives reloads). Pure, so it is tested without Svelte.
 * Times are returned on the browser's clock: server times are shifted by `serverOffsetMs`.
 */
import type { EngagementView } from '@switchboard/protocol'
import type { EngagementEntry } from './zoom/engagement-merge.ts'

export interface EngagementDisplay {
  consumer: string
  /** Phone number or email under the name, when there is a name. */
  consumerDetail: string | null
  channel: string | null
  source: string | null
  queue: string | null
  transfer: string | null
  conference: boolean
  state: string | null
  /** When the current state began (browser clock), for "time in state". */
  stateSince: number | null
  /** Handle time runs from accept (or start) until the end. */
  handleSince: number | null
  handleUntil: number | null
}

const CHANNEL_LABELS: Record<string, string> = { voice: 'Voice', video: 'Video', messaging: 'Messaging', email: 'Email' }
const STATE_LABELS: Record<string, string> = { active: 'Active', inactive: 'On hold', 'wrap-up': 'Wrap-up', end: 'Ended' }

export function channelLabel(channel: string | null | undefined): string {
  if (!channel) return 'Unknown channel'
  return CHANNEL_LABELS[channel] ?? channel.charAt(0).toUpperCase() + channel.slice(1)
}

export function stateLabel(state: string | null | undefined): string {
  if (!state) return 'Unknown'
  return STATE_LABELS[state] ?? state
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}

export function engagementDisplay(
  entry: EngagementEntry | null | undefined, view: EngagementView | null | undefined, serverOffsetMs = 0,
): EngagementDisplay {
  const fromServer = (t: number | null | undefined): number | null => (t == null ? null : t - serverOffsetMs)
  const consumers = entry?.status.consumers?.length ? entry.status.consumers : view?.consumers ?? []
  const c = consumers[0]
  const name = c?.consumerDisplayName || null
  const contact = c?.consumerNumber || c?.consumerEmail || null
  const ctx = entry?.context
  const state = entry?.status.state ?? view?.state ?? null

  let transfer: string | null = null
  const fromName = ctx?.transferFromAgentName ?? view?.transfer?.fromAgentName
  const isTransfer = ctx?.isTransfer ?? view?.isTransfer ?? false
  if (isTransfer || fromName) {
    const type = ctx?.transferType ?? view?.transfer?.type
    transfer = `Transferred${type ? ` (${type})` : ''}${fromName ? ` from ${fromName}` : ''}`
  }

  // The server's "since" is right after a reload; the local one is right at once after an event.
  const serverSince = view && view.state === state ? fromServer(view.stateSince) : null
  const stateSince = entry?.status.state === state && entry?.stateSince != null
    ? (serverSince != null ? Math.min(serverSince, entry.stateSince) : entry.stateSince)
    : serverSince

  const handleSince = num(ctx?.acceptTime) ?? num(ctx?.startTime) ?? fromServer(view?.acceptedAt ?? view?.startedAt)
  let handleUntil: number | null = null
  if (state === 'end') {
    handleUntil = entry?.endedAt ?? fromServer(view?.endedAt) ?? null
  }

  return {
    consumer: name ?? contact ?? 'Unknown customer',
    consumerDetail: name ? contact : null,
    channel: entry?.status.channel ?? view?.channel ?? null,
    source: entry?.status.source ?? view?.source ?? null,
    queue: ctx?.queueName ?? view?.queueName ?? ctx?.queueId ?? view?.queueId ?? null,
    transfer,
    conference: entry?.status.isConference ?? view?.isConference ?? false,
    state,
    stateSince,
    handleSince,
    handleUntil,
  }
}
