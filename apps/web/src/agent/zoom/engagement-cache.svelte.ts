/**
 * The agent app's engagement cache: reactive state keyed by engagementId (the focused engagement,
 * each engagement's context, merged status, variables and timestamps). Merge rules live in
 * engagement-merge.ts and the adapter wiring in engagement-sync.ts; this class only holds the
 * `$state` and exposes derived views. Provide one instance through Svelte context.
 */
import {
  applyContext, applyFocus, applyStatusDiff, applyStatusSnapshot, applyVariables, createEngagementsState,
  isOpen, listEngagements, type EngagementEntry, type EngagementsState, type StatusField,
} from './engagement-merge.ts'
import {
  startEngagementSync, type EngagementSource, type EngagementSync, type EngagementSyncHooks,
} from './engagement-sync.ts'
import type { EngagementContext, EngagementStatusChanges, EngagementStatusSnapshot, EngagementVariable } from './types.ts'

export class EngagementCache {
  readonly state: EngagementsState = $state(createEngagementsState())

  readonly focusedId: string | null = $derived(this.state.focusedId)
  readonly focused: EngagementEntry | null = $derived(
    this.state.focusedId ? this.state.byId[this.state.focusedId] ?? null : null,
  )
  /** Every engagement seen, first-seen order (ended ones included: `end` keeps their data). */
  readonly all: EngagementEntry[] = $derived(listEngagements(this.state))
  /** Engagements not yet ended. */
  readonly open: EngagementEntry[] = $derived(this.all.filter(isOpen))

  #now: () => number

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now
  }

  get(engagementId: string): EngagementEntry | null {
    return this.state.byId[engagementId] ?? null
  }

  /** Follow the adapter: launch reads, then context/status/variable events. */
  attach(source: EngagementSource, hooks?: EngagementSyncHooks): EngagementSync {
    return startEngagementSync(source, this.state, { hooks, now: this.#now })
  }

  // Direct entry points (server reconciliation, tests). Same rules as the SDK path.
  setContext(context: EngagementContext): boolean {
    return applyContext(this.state, context, this.#now())
  }

  focus(engagementId: string, timestamp: number): boolean {
    return applyFocus(this.state, engagementId, timestamp, this.#now())
  }

  mergeStatus(engagementId: string, changes: EngagementStatusChanges, timestamp: number): StatusField[] {
    return applyStatusDiff(this.state, engagementId, changes, timestamp, this.#now())
  }

  /** Applies a full status reply only if it is about `askedId` (null otherwise). */
  setStatus(askedId: string, snapshot: EngagementStatusSnapshot): StatusField[] | null {
    return applyStatusSnapshot(this.state, askedId, snapshot, this.#now())
  }

  mergeVariables(engagementId: string, variables: EngagementVariable[], timestamp: number | null): string[] {
    return applyVariables(this.state, engagementId, variables, timestamp, this.#now())
  }
}
