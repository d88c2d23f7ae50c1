/**
 * One shared ticking clock per page, so every live timer re-renders once per second together.
 * `offsetMs` aligns the browser clock with the server's (from `welcome.serverTime`).
 */
export class Clock {
  now = $state(Date.now())
  offsetMs = $state(0)
  #timer: ReturnType<typeof setInterval> | undefined
  #users = 0

  /** Start ticking while at least one consumer holds it; returns the release function. */
  hold(): () => void {
    this.#users++
    if (!this.#timer) {
      this.now = Date.now() + this.offsetMs
      this.#timer = setInterval(() => { this.now = Date.now() + this.offsetMs }, 1000)
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

  syncWithServer(serverTime: number): void {
    this.offsetMs = serverTime - Date.now()
    this.now = Date.now() + this.offsetMs
  }
}
