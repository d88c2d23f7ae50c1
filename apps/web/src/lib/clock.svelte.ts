import { getContext, setContext } from 'svelte'

/**
 * One shared ticking clock per page, so every live timer re-renders together once per second.
 * Components `hold()` it while mounted; it stops when nobody holds it.
 *
 * By default `now` is browser time (the agent app converts server times to the browser clock).
 * A page that shows server times as they are (the supervisor dashboard) sets the server's offset
 * with `setOffset`, and `now` is then server time.
 */
export class Clock {
  now = $state(Date.now())
  #offsetMs = 0
  #timer: ReturnType<typeof setInterval> | undefined
  #users = 0

  /** Milliseconds added to browser time (whole seconds), as set by `setOffset`. */
  get offsetMs(): number {
    return this.#offsetMs
  }

  /**
   * Shift `now` by `ms` (e.g. server clock minus browser clock). Rounded to whole seconds, so a
   * jittering offset from each reconnect re-renders nothing unless it moves a displayed second.
   */
  setOffset(ms: number): void {
    const rounded = Number.isFinite(ms) ? Math.round(ms / 1000) * 1000 : 0
    if (rounded === this.#offsetMs) return
    this.#offsetMs = rounded
    this.now = this.#read()
  }

  /** Start ticking while at least one consumer holds it; returns the release function. */
  hold(): () => void {
    this.#users++
    if (!this.#timer) {
      this.now = this.#read()
      this.#timer = setInterval(() => { this.now = this.#read() }, 1000)
    }
    let released = false
    return () => {
      if (released) return
      released = true
      if (--this.#users === 0 && this.#timer) {
        clearInterval(this.#timer)
        this.#timer = undefined
      }
    }
  }

  #read(): number {
    return Date.now() + this.#offsetMs
  }
}

const KEY = Symbol('switchboard.clock')

/** Provide the page's clock (call in the root component). */
export function setClock(clock: Clock): Clock {
  return setContext(KEY, clock)
}

/** The page's clock, or a new one when no root provided it. */
export function getClock(): Clock {
  return getContext<Clock | undefined>(KEY) ?? setContext(KEY, new Clock())
}
