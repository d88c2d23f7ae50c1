import { getContext, setContext } from 'svelte'

/**
 * One shared ticking clock per page (browser time), so every live timer re-renders together once
 * per second. Components `hold()` it while mounted; it stops when nobody holds it.
 */
export class Clock {
  now = $state(Date.now())
  #timer: ReturnType<typeof setInterval> | undefined
  #users = 0

  /** Start ticking while at least one consumer holds it; returns the release function. */
  hold(): () => void {
    this.#users++
    if (!this.#timer) {
      this.now = Date.now()
      this.#timer = setInterval(() => { this.now = Date.now() }, 1000)
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
