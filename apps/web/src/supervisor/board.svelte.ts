/**
 * The live board as reactive state. Frames from the connection are applied to the pure
 * `BoardData` (maps by id); deltas that arrive within one animation frame are coalesced and
 * applied once, then the reactive fields are republished (`$state.raw`: rows are replaced by
 * identity, so a keyed `{#each}` touches only rows whose object changed).
 */
import type { AgentView, AlertThresholds, EngagementView, ServerMessageType, ServerMessageOf } from '@switchboard/protocol'
import {
  applyDelta, applySnapshot, coalesceDeltas, emptyBoard, DEFAULT_THRESHOLDS,
  type BoardData, type BoardDeltaMessage, type BoardSnapshotMessage,
} from './board-state.ts'
import { addSample, countStates, type StateSample } from './charts.ts'
import { contextSlot } from '../lib/context-slot.ts'

/** What the board needs from the page's connection (the lib `Connection` satisfies it). */
export interface BoardSource {
  on<T extends ServerMessageType>(type: T, fn: (msg: ServerMessageOf<T>) => void): () => void
  subscribeBoard(): void
}

type Scheduler = (fn: () => void) => void

/** Errors (not answering an op or an engagement) that mean the board itself was refused. */
const REFUSALS: readonly string[] = ['FORBIDDEN', 'UNAUTHENTICATED', 'SESSION_EXPIRED']

/** rAF while visible; a timer otherwise so a background tab still catches up. */
const defaultSchedule: Scheduler = (fn) => {
  if (typeof requestAnimationFrame === 'function' && typeof document !== 'undefined' && !document.hidden) {
    requestAnimationFrame(fn)
  } else {
    setTimeout(fn, 250)
  }
}

export class Board {
  rows = $state.raw<readonly EngagementView[]>([])
  agents = $state.raw<ReadonlyMap<string, AgentView>>(new Map())
  thresholds = $state.raw<AlertThresholds>({ ...DEFAULT_THRESHOLDS })
  loaded = $state(false)
  /** Server clock minus the browser's, from the latest frame. */
  clockOffsetMs = $state(0)
  /** Handle times (ms) of engagements that left the board while this page was open, by id. */
  closedHandle = $state.raw<ReadonlyMap<string, number>>(new Map())
  /** Live counts by state, sampled each tick over the last hour. */
  samples = $state.raw<readonly StateSample[]>([])
  /** The server refused the board (e.g. the role changed): what to tell the person. */
  error = $state<string | null>(null)
  /** How long the last applied batch took (ms), for the scale measurement. */
  lastApplyMs = $state(0)

  readonly #data: BoardData = emptyBoard()
  readonly #schedule: Scheduler
  #queue: BoardDeltaMessage[] = []
  #scheduled = false

  constructor(schedule: Scheduler = defaultSchedule) {
    this.#schedule = schedule
  }

  /** Listen to board frames and ask for the board. Returns the detach function. */
  attach(source: BoardSource): () => void {
    const offs = [
      source.on('board.snapshot', (m) => this.receiveSnapshot(m)),
      source.on('board.delta', (m) => this.receiveDelta(m)),
      source.on('error', (m) => {
        if (m.opId === undefined && m.engagementId === undefined && REFUSALS.includes(m.code)) this.error = m.message
      }),
    ]
    source.subscribeBoard()
    return () => { for (const off of offs) off() }
  }

  /** The live row for an id (reactive: reads `rows`). */
  get(id: string): EngagementView | undefined {
    void this.rows
    return this.#data.engagements.get(id)
  }

  receiveSnapshot(m: BoardSnapshotMessage): void {
    const t0 = performance.now()
    // Deltas queued before the snapshot are older than it.
    this.#queue = []
    this.error = null
    applySnapshot(this.#data, m, Date.now())
    this.#publish(true, true)
    this.thresholds = { ...this.#data.thresholds }
    this.lastApplyMs = performance.now() - t0
  }

  receiveDelta(m: BoardDeltaMessage): void {
    if (!this.#data.loaded) return
    this.#queue.push(m)
    if (this.#scheduled) return
    this.#scheduled = true
    this.#schedule(() => this.flush())
  }

  /** Applies queued deltas now (normally called once per animation frame). */
  flush(): void {
    this.#scheduled = false
    const merged = coalesceDeltas(this.#queue)
    this.#queue = []
    if (!merged) return
    const t0 = performance.now()
    const r = applyDelta(this.#data, merged, Date.now())
    if (r.closed.length > 0) {
      const next = new Map(this.closedHandle)
      for (const e of r.closed) if (e.handleMs !== null) next.set(e.id, e.handleMs)
      this.closedHandle = next
    }
    this.#publish(r.changedEngagements.size > 0, r.agentsChanged)
    if (r.thresholdsChanged) this.thresholds = { ...this.#data.thresholds }
    this.lastApplyMs = performance.now() - t0
  }

  /** Records one chart sample (called by the page's 1 s ticker). */
  sample(now: number): void {
    if (!this.loaded) return
    this.samples = addSample(this.samples, { t: now, ...countStates(this.rows) })
  }

  /** Thresholds saved over REST show at once; the server's delta confirms them. */
  setThresholds(t: AlertThresholds): void {
    this.#data.thresholds = { ...t }
    this.thresholds = { ...t }
  }

  #publish(engagements: boolean, agents: boolean): void {
    const d = this.#data
    if (engagements) this.rows = [...d.engagements.values()]
    if (agents) this.agents = new Map(d.agents)
    if (!this.loaded) this.loaded = true
    // Whole seconds: the offset feeds every timer, so jitter must not re-render them all.
    const offset = Math.round(d.clockOffsetMs / 1000) * 1000
    if (offset !== this.clockOffsetMs) this.clockOffsetMs = offset
  }
}

const slot = contextSlot<Board>('board')

/** The board a harness provided through `mount`'s context, else `make()`'s, provided from here down. */
export const provideBoard = slot.provide
/** For `mount(..., { context })`: a board fed by something other than the page's connection. */
export const boardContext = slot.entry
