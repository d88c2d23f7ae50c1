/**
 * Pure merge rules for the agent's engagement cache, on plain objects so they run (and are tested)
 * without Svelte. The functions mutate the state they are given: the Svelte cache passes its
 * `$state` proxy, so every write is reactive.
 *
 * Rules (from Zoom's guidance and our design):
 * - everything is keyed by the engagement's own id, never by the one on screen;
 * - status events carry only changed fields; each field remembers the Zoom timestamp of the value
 *   it holds, and an older event never overwrites a newer value (events may arrive out of order);
 * - repeating an event changes nothing;
 * - a reply is only applied to the engagement it was asked about (wrong-id guard);
 * - `end` keeps the engagement's data and does not touch the focused engagement.
 */
import type { EngagementContext, EngagementStatusChanges, EngagementStatusSnapshot, EngagementVariable } from './types.ts'

export type StatusField = keyof EngagementStatusChanges

export const STATUS_FIELDS: readonly StatusField[] = [
  'state', 'channel', 'source', 'isConference', 'assignedAgentId', 'assignedAgentName', 'endTime', 'consumers',
]

export interface EngagementEntry {
  id: string
  /** Fixed for the engagement's lifetime; null until read. */
  context: EngagementContext | null
  /** The merged status: every field we know. */
  status: EngagementStatusChanges
  /** Per status field, the Zoom timestamp (ms) of the value held. */
  fieldTs: Partial<Record<StatusField, number>>
  variables: Record<string, EngagementVariable>
  variableTs: Record<string, number>
  /** Largest Zoom event timestamp seen for this engagement (0 before any event). */
  lastEventTs: number
  /** Local clock: when we first saw it and last changed it. */
  firstSeenAt: number
  updatedAt: number
  /** When the current `state` began (event timestamp, or local time when first read). */
  stateSince: number | null
  endedAt: number | null
}

export interface EngagementsState {
  /** The engagement Zoom shows now (null before launch or outside an engagement). */
  focusedId: string | null
  /** Timestamp of the focus decision; 0 for the launch read, so any later event wins. */
  focusTs: number
  byId: Record<string, EngagementEntry>
  /** Ids in first-seen order. */
  order: string[]
}

export function createEngagementsState(): EngagementsState {
  return { focusedId: null, focusTs: -1, byId: {}, order: [] }
}

export function ensureEntry(state: EngagementsState, id: string, now: number): EngagementEntry {
  let entry = state.byId[id]
  if (!entry) {
    state.byId[id] = {
      id, context: null, status: {}, fieldTs: {}, variables: {}, variableTs: {},
      lastEventTs: 0, firstSeenAt: now, updatedAt: now, stateSince: null, endedAt: null,
    }
    state.order.push(id)
    entry = state.byId[id]!
  }
  return entry
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  return JSON.stringify(a) === JSON.stringify(b)
}

function setField<K extends StatusField>(status: EngagementStatusChanges, field: K, value: EngagementStatusChanges[K]): void {
  // Clone arrays so later edits to the event object cannot leak into the cache.
  status[field] = (Array.isArray(value) ? value.map((c) => ({ ...c })) : value) as EngagementStatusChanges[K]
}

function noteState(entry: EngagementEntry, previous: EngagementStatusChanges['state'], at: number): void {
  const state = entry.status.state
  if (state === previous && entry.stateSince !== null) return
  entry.stateSince = at
  if (state === 'end') entry.endedAt = typeof entry.status.endTime === 'number' ? entry.status.endTime : at
  else entry.endedAt = null
}

/** Stores the engagement's context (keyed by its own id). Returns whether anything changed. */
export function applyContext(state: EngagementsState, context: EngagementContext, now: number): boolean {
  const entry = ensureEntry(state, context.engagementId, now)
  if (entry.context && sameValue(entry.context, context)) return false
  entry.context = { ...context }
  entry.updatedAt = now
  return true
}

/** Zoom moved to `id` at `ts`. A stale (older) focus decision is ignored. */
export function applyFocus(state: EngagementsState, id: string, ts: number, now: number): boolean {
  if (ts < state.focusTs) return false
  ensureEntry(state, id, now)
  const changed = state.focusedId !== id
  state.focusedId = id
  state.focusTs = ts
  return changed
}

/**
 * Merges an `onEngagementStatusChange` diff into the engagement named by the event. Returns the
 * fields whose value changed (empty for a repeat or an entirely stale event).
 */
export function applyStatusDiff(
  state: EngagementsState, engagementId: string, changes: EngagementStatusChanges, ts: number, now: number,
): StatusField[] {
  const entry = ensureEntry(state, engagementId, now)
  const previousState = entry.status.state
  const changed: StatusField[] = []
  for (const field of STATUS_FIELDS) {
    if (!(field in changes) || changes[field] === undefined) continue
    const heldTs = entry.fieldTs[field]
    if (heldTs !== undefined && ts < heldTs) continue // an older value arriving late
    entry.fieldTs[field] = ts
    if (sameValue(entry.status[field], changes[field])) continue
    setField(entry.status, field, changes[field])
    changed.push(field)
  }
  if (ts > entry.lastEventTs) entry.lastEventTs = ts
  if (changed.length > 0) {
    entry.updatedAt = now
    if (changed.includes('state') || changed.includes('endTime')) noteState(entry, previousState, ts)
  }
  return changed
}

/**
 * Applies a full `getEngagementStatus` reply. `askedId` is the engagement we asked about: a reply
 * about any other engagement is dropped (returns null). The reply is at least as new as every event
 * already received (the bridge delivers in order), so it takes the newest timestamp seen.
 */
export function applyStatusSnapshot(
  state: EngagementsState, askedId: string, snapshot: EngagementStatusSnapshot, now: number,
): StatusField[] | null {
  if (snapshot.engagementId !== askedId) return null
  const entry = ensureEntry(state, askedId, now)
  const previousState = entry.status.state
  const ts = entry.lastEventTs
  const changed: StatusField[] = []
  for (const field of STATUS_FIELDS) {
    const value = snapshot.status[field]
    if (value === undefined) continue
    const heldTs = entry.fieldTs[field]
    if (heldTs !== undefined && heldTs > ts) continue
    entry.fieldTs[field] = ts
    if (sameValue(entry.status[field], value)) continue
    setField(entry.status, field, value)
    changed.push(field)
  }
  if (changed.length > 0) entry.updatedAt = now
  if (entry.stateSince === null || changed.includes('state') || changed.includes('endTime')) {
    noteState(entry, previousState, now)
  }
  return changed
}

/**
 * Merges variables for `engagementId` (an `onEngagementVariableValueChange` event, attributed to
 * the engagement Zoom showed, or a `getEngagementVariableValue` reply with `ts` = `null`, which is
 * as new as the newest event seen for that variable). Returns the ids whose value changed.
 */
export function applyVariables(
  state: EngagementsState, engagementId: string, variables: EngagementVariable[], ts: number | null, now: number,
): string[] {
  const entry = ensureEntry(state, engagementId, now)
  const changed: string[] = []
  for (const v of variables) {
    const heldTs = entry.variableTs[v.id]
    // Variable timestamps are compared only with each other: Zoom's docs show them in seconds.
    const at = ts ?? heldTs ?? 0
    if (ts !== null && heldTs !== undefined && ts < heldTs) continue
    entry.variableTs[v.id] = at
    if (sameValue(entry.variables[v.id], v)) continue
    entry.variables[v.id] = { ...v }
    changed.push(v.id)
  }
  if (changed.length > 0) entry.updatedAt = now
  return changed
}

export function isOpen(entry: EngagementEntry): boolean {
  return entry.status.state !== 'end'
}

/** Engagements in first-seen order. */
export function listEngagements(state: EngagementsState): EngagementEntry[] {
  return state.order.flatMap((id) => state.byId[id] ?? [])
}
