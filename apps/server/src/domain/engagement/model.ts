/**
 * The engagement projection as the domain sees it (times in epoch ms), the log events that
 * build it, and the commands the gateway turns client ops into.
 */
import type {
  Consumer, EngagementContext, EngagementState, EngagementStatusChanges, EngagementVariable, HelpFlag,
} from '@switchboard/protocol'

export interface Engagement {
  accountId: string
  id: string
  agentId: string
  agentName?: string | null
  state: EngagementState | null
  channel: string | null
  source: string | null
  queueId: string | null
  queueName: string | null
  isConference: boolean
  isTransfer: boolean
  transfer: { type?: string; fromAgentId?: string; fromAgentName?: string } | null
  consumers: Consumer[]
  variables: Record<string, string | number | boolean | null>
  startedAt: number | null
  acceptedAt: number | null
  stateSince: number | null
  wrapupStartedAt: number | null
  endedAt: number | null
  handleMs: number | null
  wrapupMs: number | null
  help: HelpFlag | null
  notesPreview: string
  lastSeq: number
  updatedAt: number
}

export type EventKind = 'context' | 'status' | 'focus' | 'variables' | 'doc' | 'whisper' | 'whisper.read' | 'help'

/** One log row before it gets its seq. `data` is what `LogEvent.data` carries on the wire. */
export interface NewEvent {
  kind: EventKind
  data: Record<string, unknown>
  /** Same key => same fact: the second report is a duplicate (see `dedupKey`). */
  dedupKey: string | null
  /** base64 Yjs update, for kind 'doc'. */
  update?: string
}

export interface Actor {
  id: string
  accountId: string
  role: 'agent' | 'supervisor' | 'admin'
  displayName: string | null
  /** the session's client id (focus is per session) */
  clientId: string
}

export type Command =
  | { type: 'engagement.observe'; engagementId: string; context: EngagementContext; status?: EngagementStatusChanges; at: number }
  | { type: 'engagement.status'; engagementId: string; changes: EngagementStatusChanges; zoomTimestamp?: number; at: number }
  | { type: 'engagement.focus'; engagementId: string; at: number }
  | { type: 'engagement.variables'; engagementId: string; variables: EngagementVariable[]; zoomTimestamp?: number; at: number }
  | { type: 'doc.update'; engagementId: string; update: string }
  | { type: 'help.set'; engagementId: string; raised: boolean; note?: string }
  | { type: 'whisper.send'; engagementId: string; text: string }
  | { type: 'whisper.read'; engagementId: string; whisperSeq: number }

export function emptyEngagement(accountId: string, id: string, agentId: string, now: number): Engagement {
  return {
    accountId, id, agentId,
    state: null, channel: null, source: null, queueId: null, queueName: null,
    isConference: false, isTransfer: false, transfer: null, consumers: [], variables: {},
    startedAt: null, acceptedAt: null, stateSince: null, wrapupStartedAt: null, endedAt: null,
    handleMs: null, wrapupMs: null, help: null, notesPreview: '', lastSeq: 0, updatedAt: now,
  }
}

/** Zoom times arrive as epoch ms, epoch seconds, numeric strings or ISO strings. */
export function toEpochMs(v: number | string | undefined | null): number | null {
  if (v === undefined || v === null || v === '') return null
  let n = typeof v === 'number' ? v : /^\d+(\.\d+)?$/.test(v) ? Number(v) : Date.parse(v)
  if (!Number.isFinite(n) || n <= 0) return null
  if (n < 1e11) n *= 1000 // seconds
  return Math.round(n)
}
