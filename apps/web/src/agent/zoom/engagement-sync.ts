/**
 * Wires the Zoom adapter's replies and events into the engagement state (see engagement-merge.ts).
 * Plain TypeScript so it runs in tests without Svelte; the Svelte cache passes its `$state`.
 *
 * After every await we check the reply is about the engagement we asked for; data that arrives for
 * an engagement the agent has since left is still stored under that engagement's own id.
 */
import type { LaunchResult } from './adapter.ts'
import {
  applyContext, applyFocus, applyStatusDiff, applyStatusSnapshot, applyVariables, ensureEntry,
  type EngagementsState, type StatusField,
} from './engagement-merge.ts'
import { toZoomError, type ZoomError } from './errors.ts'
import type {
  EngagementContext, EngagementStatusChanges, EngagementStatusSnapshot, EngagementVariable, ZoomAdapterEvents,
} from './types.ts'

/** What the sync needs from the adapter (the real `ZoomAdapter` satisfies it). */
export interface EngagementSource {
  launch(): Promise<LaunchResult>
  getEngagementContext(engagementId?: string): Promise<EngagementContext>
  getEngagementStatus(engagementId: string): Promise<EngagementStatusSnapshot>
  getEngagementVariables(engagementId: string): Promise<EngagementVariable[]>
  on<K extends keyof ZoomAdapterEvents>(name: K, fn: (payload: ZoomAdapterEvents[K]) => void): () => void
}

/**
 * Called after the state has been updated; the agent app forwards these to the server. They fire
 * for every event received (the server de-duplicates), with what the cache accepted. Objects may
 * be the cache's own (reactive) ones, valid during the call: a hook that keeps one copies it (the
 * connection copies every op as it queues it).
 */
export interface EngagementSyncHooks {
  /** Context and full status are known (launch, switch, or first sight of an engagement). */
  onObserved?(engagementId: string, context: EngagementContext, status: EngagementStatusChanges | null): void
  onFocus?(engagementId: string, timestamp: number, changed: boolean): void
  onStatus?(engagementId: string, changes: EngagementStatusChanges, timestamp: number, applied: StatusField[]): void
  onVariables?(engagementId: string, variables: EngagementVariable[], timestamp: number | null): void
  onError?(error: ZoomError): void
}

export interface LaunchOutcome {
  /** The engagement shown at launch, or null when the agent is not in one. */
  engagementId: string | null
}

export interface EngagementSync {
  /** Resolves after the launch reads were applied; rejects with a `ZoomError`. */
  readonly launched: Promise<LaunchOutcome>
  /** Re-reads context (if missing), status and variables of one engagement. */
  refresh(engagementId: string): Promise<void>
  stop(): void
}

export interface EngagementSyncOptions {
  hooks?: EngagementSyncHooks
  now?: () => number
}

export function startEngagementSync(
  source: EngagementSource, state: EngagementsState, options: EngagementSyncOptions = {},
): EngagementSync {
  const hooks = options.hooks ?? {}
  const now = options.now ?? Date.now
  let stopped = false
  let focusEvents = 0
  const inflight = new Map<string, Promise<void>>()
  const queued = new Set<string>()

  function report(error: unknown, api: string): void {
    const e = toZoomError(api, error)
    // The engagement is gone (ended, or the agent left it): nothing to read, not an error.
    if (e.kind === 'not-in-engagement') return
    hooks.onError?.(e)
  }

  async function readEngagement(id: string): Promise<void> {
    if (stopped) return
    let context = state.byId[id]?.context ?? null
    if (!context) {
      const reply = await source.getEngagementContext(id)
      if (stopped || reply.engagementId !== id) return // wrong-id guard
      applyContext(state, reply, now())
      context = reply
    }
    const status = await source.getEngagementStatus(id)
    if (stopped) return
    const applied = applyStatusSnapshot(state, id, status, now()) // null: wrong-id guard
    const variables = await source.getEngagementVariables(id).catch(() => null)
    if (stopped) return
    if (variables) {
      applyVariables(state, id, variables, null, now())
      hooks.onVariables?.(id, variables, null)
    }
    hooks.onObserved?.(id, context, applied ? state.byId[id]!.status : null)
  }

  function refresh(id: string): Promise<void> {
    // One read per engagement at a time; at most one more queued behind it.
    if (queued.has(id)) return inflight.get(id) ?? Promise.resolve()
    const previous = inflight.get(id)
    const run = async (): Promise<void> => {
      queued.delete(id)
      try {
        await readEngagement(id)
      } catch (error) {
        if (!stopped) report(error, 'getEngagementStatus')
      }
    }
    queued.add(id)
    const next = (previous ?? Promise.resolve()).then(run)
    inflight.set(id, next)
    void next.finally(() => { if (inflight.get(id) === next) inflight.delete(id) })
    return next
  }

  const offs = [
    source.on('context', ({ context, timestamp }) => {
      if (stopped) return
      focusEvents += 1
      const t = now()
      applyContext(state, context, t)
      const changed = applyFocus(state, context.engagementId, timestamp, t)
      hooks.onFocus?.(context.engagementId, timestamp, changed)
      void refresh(context.engagementId)
    }),
    source.on('status', ({ engagementId, changes, timestamp }) => {
      if (stopped) return
      const known = Boolean(state.byId[engagementId]?.context)
      const applied = applyStatusDiff(state, engagementId, changes, timestamp, now())
      hooks.onStatus?.(engagementId, changes, timestamp, applied)
      if (!known) void refresh(engagementId)
    }),
    source.on('variables', ({ variables, timestamp }) => {
      // Zoom does not name the engagement: the values belong to the one it shows.
      const id = state.focusedId
      if (stopped || !id) return
      applyVariables(state, id, variables, timestamp, now())
      hooks.onVariables?.(id, variables, timestamp)
    }),
  ]

  async function launch(): Promise<LaunchOutcome> {
    const focusEventsBefore = focusEvents
    let result: LaunchResult
    try {
      result = await source.launch()
    } catch (error) {
      throw toZoomError('launch', error)
    }
    if (stopped || !result.engagement) return { engagementId: null }
    const { context, status, variables } = result.engagement
    const id = context.engagementId
    const t = now()
    applyContext(state, context, t)
    ensureEntry(state, id, t)
    // A context change that arrived during the launch reads is newer than the launch read.
    if (focusEvents === focusEventsBefore) {
      const changed = applyFocus(state, id, 0, t)
      hooks.onFocus?.(id, t, changed)
    }
    const applied = status ? applyStatusSnapshot(state, id, status, t) : null
    if (variables) {
      applyVariables(state, id, variables, null, t)
      hooks.onVariables?.(id, variables, null)
    }
    hooks.onObserved?.(id, context, applied ? state.byId[id]!.status : null)
    // No usable status (the reply was about another engagement): read this one's again.
    if (!applied) void refresh(id)
    return { engagementId: id }
  }

  const launched = launch()
  launched.catch(() => undefined) // callers observe it; avoid an unhandled rejection otherwise

  return {
    launched,
    refresh,
    stop() {
      stopped = true
      for (const off of offs) off()
    },
  }
}
