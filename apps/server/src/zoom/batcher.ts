/**
 * Calls made within a few milliseconds of each other run as one (one statement, one commit),
 * each caller getting its own answer: the webhook receiver's inserts, the processor's history
 * reads and its "processed" marks. Under a burst of deliveries this turns one round trip (and one
 * WAL flush) per delivery into one per batch.
 */
export class Batcher<I, O> {
  private queue: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = []
  private timer: NodeJS.Timeout | undefined
  private readonly run: (items: I[]) => Promise<O[]>
  private readonly windowMs: number
  private readonly max: number

  /** `run` answers the items in order (one output per item). */
  constructor(run: (items: I[]) => Promise<O[]>, opts: { windowMs?: number; max?: number } = {}) {
    this.run = run
    this.windowMs = opts.windowMs ?? 2
    this.max = opts.max ?? 200
  }

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject })
      if (this.queue.length >= this.max) this.flush()
      else this.timer ??= setTimeout(() => this.flush(), this.windowMs)
    })
  }

  private flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    const batch = this.queue.splice(0, this.max)
    if (this.queue.length > 0) this.timer = setTimeout(() => this.flush(), this.windowMs)
    if (batch.length === 0) return
    this.run(batch.map((b) => b.item)).then((out) => {
      batch.forEach((b, i) => b.resolve(out[i]!))
    }, (err: unknown) => {
      for (const b of batch) b.reject(err)
    })
  }
}
