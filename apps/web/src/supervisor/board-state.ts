/**
 * Pure board state: the account's live engagements and agents keyed by id, with the apply logic
 * for `board.snapshot` and `board.delta`. No Svelte here, so it is testable in plain Node;
 * `board.svelte.ts` wraps it in runes.
 */
import type {
  AgentView, AlertThresholds, EngagementView, ServerMessageOf,
} from '@switchboard/protocol'

export type BoardSnapshotMessage = ServerMessageOf<'board.snapshot'>
export type BoardDeltaMessage = ServerMessageOf<'board.delta'>

export const DEFAULT_THRESHOLDS: AlertThresholds = { handleMs: 0, wrapupMs: 0, inactiveMs: 0 }

export interface BoardData {
  engagements: Map<string, EngagementView>
  agents: Map<string, AgentView>
  thresholds: AlertThresholds
  /** serverTime minus the local clock when the last frame arrived: timers use server time. */
  clockOffsetMs: number
  /** True once a snapshot has been applied (before that the board is loading). */
  loaded: boolean
}

export function emptyBoard(): BoardData {
  return {
    engagements: new Map(),
    agents: new Map(),
    thresholds: { ...DEFAULT_THRESHOLDS },
    clockOffsetMs: 0,
    loaded: false,
  }
}

/** The board shows live engagements only: an ended one leaves it even if a delta still carries it. */
export function isLive(e: EngagementView): boolean {
  return e.state !== 'end' && e.endedAt === null
}

/** A snapshot replaces everything (first load and after every reconnect). */
export function applySnapshot(board: BoardData, snap: BoardSnapshotMessage, localNow: number): void {
  board.engagements = new Map()
  for (const e of snap.engagements) if (isLive(e)) board.engagements.set(e.id, e)
  board.agents = new Map(snap.agents.map((a) => [a.id, a]))
  board.thresholds = { ...snap.thresholds }
  board.clockOffsetMs = snap.serverTime - localNow
  board.loaded = true
}

export interface DeltaResult {
  /** Ids whose row was added, replaced or removed. */
  changedEngagements: Set<string>
  /** Engagements that left the board in this delta, as last seen (for the day's handle-time chart). */
  closed: EngagementView[]
  agentsChanged: boolean
  thresholdsChanged: boolean
}

/**
 * Applies one (possibly client-coalesced) delta by id. An update carrying an older `lastSeq` than
 * the row held is ignored, so a late frame from another node cannot roll a row back.
 */
export function applyDelta(board: BoardData, delta: BoardDeltaMessage, localNow: number): DeltaResult {
  const result: DeltaResult = {
    changedEngagements: new Set(), closed: [], agentsChanged: false, thresholdsChanged: false,
  }
  board.clockOffsetMs = delta.serverTime - localNow
  for (const e of delta.engagements) {
    const held = board.engagements.get(e.id)
    if (held && e.lastSeq < held.lastSeq) continue
    if (isLive(e)) {
      board.engagements.set(e.id, e)
    } else {
      board.engagements.delete(e.id)
      result.closed.push(e)
    }
    result.changedEngagements.add(e.id)
  }
  for (const id of delta.removedEngagements) {
    const held = board.engagements.get(id)
    if (!held) continue
    board.engagements.delete(id)
    result.closed.push(held)
    result.changedEngagements.add(id)
  }
  for (const a of delta.agents) board.agents.set(a.id, a)
  result.agentsChanged = delta.agents.length > 0
  if (delta.thresholds) {
    board.thresholds = { ...delta.thresholds }
    result.thresholdsChanged = true
  }
  return result
}

/**
 * Merges deltas that arrived before the next frame into one, in arrival order: the last version of
 * an engagement wins, a removal after an update removes it, an update after a removal brings it back.
 */
export function coalesceDeltas(deltas: readonly BoardDeltaMessage[]): BoardDeltaMessage | null {
  if (deltas.length === 0) return null
  if (deltas.length === 1) return deltas[0] ?? null
  const engagements = new Map<string, EngagementView>()
  const removed = new Set<string>()
  const agents = new Map<string, AgentView>()
  let thresholds: AlertThresholds | undefined
  let serverTime = 0
  for (const d of deltas) {
    serverTime = Math.max(serverTime, d.serverTime)
    for (const e of d.engagements) {
      const held = engagements.get(e.id)
      if (held && e.lastSeq < held.lastSeq) continue
      engagements.set(e.id, e)
      removed.delete(e.id)
    }
    for (const id of d.removedEngagements) {
      engagements.delete(id)
      removed.add(id)
    }
    for (const a of d.agents) agents.set(a.id, a)
    if (d.thresholds) thresholds = d.thresholds
  }
  const merged: BoardDeltaMessage = {
    type: 'board.delta',
    serverTime,
    engagements: [...engagements.values()],
    removedEngagements: [...removed],
    agents: [...agents.values()],
  }
  if (thresholds) merged.thresholds = thresholds
  return merged
}
