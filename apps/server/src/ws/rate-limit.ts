/** A token bucket: `rate` tokens per second up to `burst`. The clock is passed in. */
export class TokenBucket {
  private tokens: number
  private last: number
  private readonly rate: number
  private readonly burst: number

  constructor(rate: number, burst: number, now: number) {
    this.rate = rate
    this.burst = burst
    this.tokens = burst
    this.last = now
  }

  /** Takes one token; false when empty. */
  take(now: number): boolean {
    this.refill(now)
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }

  /** Milliseconds until one token is available. */
  retryAfterMs(now: number): number {
    this.refill(now)
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.rate) * 1000)
  }

  private refill(now: number): void {
    const dt = Math.max(0, now - this.last) / 1000
    this.last = now
    this.tokens = Math.min(this.burst, this.tokens + dt * this.rate)
  }
}

/** The window over which a connection's refused messages are counted before it is closed. */
export const FLOOD_WINDOW_MS = 10_000

/** Counts events in fixed windows of `windowMs`: `hit` returns the count in the current one. */
export class WindowCount {
  private count = 0
  private start = 0
  private readonly windowMs: number

  constructor(windowMs: number) {
    this.windowMs = windowMs
  }

  hit(now: number): number {
    if (now - this.start > this.windowMs) {
      this.start = now
      this.count = 0
    }
    return ++this.count
  }
}
