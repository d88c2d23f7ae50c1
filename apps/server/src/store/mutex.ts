/** A FIFO async mutex: `run(fn)` waits for every earlier caller to finish. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve()

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn)
    this.tail = result.then(() => undefined, () => undefined)
    return result
  }
}
