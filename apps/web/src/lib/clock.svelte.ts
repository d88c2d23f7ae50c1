import { contextSlot } from './context-slot.ts'

export interface ClockOptions {
  /**
   * Milliseconds added to browser time, read reactively (e.g. server clock minus browser clock,
   * so `now` is server time). Default 0: browser time.
   */
  offset?: () => number
  /** The time source; default `Date.now` (benches and tests pass their own). */
  read?: () => number
}

/** Whole seconds, so an offset that jitters on each reconnect re-renders nothing unless it moves a displayed second. */
function wholeSeconds(ms: number): number {
  return Number.isFinite(ms) ? Math.round(ms / 1000) * 1000 : 0
}

/**
 * One shared ticking clock per page, so every live timer re-renders together once per second.
 * Components `hold()` it while mounted; it stops when nobody holds it.
 *
 * By default `now` is browser time (the agent app converts server times to the browser clock).
 * A page that shows server times as they are (the supervisor dashboard) gives the server's offset
 * as `offset`, and `now` is then server time.
 */
export class Clock {
  readonly #offset: () => number = () => 0
  readonly #read: () => number = Date.now
  #browserNow: number = $state(0)
  #timer: ReturnType<typeof setInterval> | undefined
  #holders = new Set<{ onTick?: ((now: number) => void) | undefined }>()

  /** Time on the shared tick: the time source plus the offset in whole seconds. */
  readonly now: number = $derived(this.#browserNow + wholeSeconds(this.#offset()))

  constructor(options: ClockOptions = {}) {
    if (options.offset) this.#offset = options.offset
    if (options.read) this.#read = options.read
    this.#browserNow = this.#read()
  }

  /** The offset in effect (whole seconds). */
  get offsetMs(): number {
    return wholeSeconds(this.#offset())
  }

  /**
   * Start ticking while at least one holder holds it; `onTick` runs after every tick while held.
   * Returns the release function.
   */
  hold(onTick?: (now: number) => void): () => void {
    const holder = { onTick }
    this.#holders.add(holder)
    if (!this.#timer) {
      this.#browserNow = this.#read()
      this.#timer = setInterval(() => this.tick(), 1000)
    }
    return () => {
      if (!this.#holders.delete(holder)) return
      if (this.#holders.size === 0 && this.#timer) {
        clearInterval(this.#timer)
        this.#timer = undefined
      }
    }
  }

  /** Reads the time source now (what the ticker does once a second) and runs the holders' `onTick`. */
  tick(): void {
    this.#browserNow = this.#read()
    const now = this.now
    for (const h of this.#holders) h.onTick?.(now)
  }
}

const slot = contextSlot<Clock>('clock')

/** Provide the page's clock (call in the root component). */
export const setClock = slot.set
/** The clock a parent (or a harness, through `mount`'s context) provided, else `make()`'s, provided from here down. */
export const provideClock = slot.provide
/** For `mount(..., { context })`: a clock made outside any component (benches, harnesses). */
export const clockContext = slot.entry

/** The page's clock, or a new one when no root provided it. */
export function getClock(): Clock {
  return provideClock(() => new Clock())
}
