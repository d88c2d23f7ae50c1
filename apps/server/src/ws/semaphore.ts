/**
 * Bounds how many reads for subscribers (snapshots, catch-ups, board snapshots) run at once,
 * so a reconnect storm queues here, in order, instead of taking every pooled connection and
 * timing out in the pool.
 */
export class Semaphore {
  private active = 0
  private readonly waiting: (() => void)[] = []
  private readonly max: number

  constructor(max: number) {
    this.max = Math.max(1, max)
  }

  get queued(): number {
    return this.waiting.length
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve))
    else this.active++
    try {
      return await fn()
    } finally {
      const next = this.waiting.shift()
      // The permit passes straight to the next waiter (active stays the same).
      if (next) next()
      else this.active--
    }
  }
}
