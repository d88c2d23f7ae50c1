/** A tiny typed event emitter (isomorphic: no Node `events`, no DOM `EventTarget`). */
export class Emitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<(value: never) => void>>()

  /** Returns the unsubscribe function. */
  on<K extends keyof Events>(event: K, listener: (value: Events[K]) => void): () => void {
    let set = this.#listeners.get(event)
    if (set === undefined) this.#listeners.set(event, (set = new Set()))
    set.add(listener as (value: never) => void)
    return () => set.delete(listener as (value: never) => void)
  }

  protected emit<K extends keyof Events>(event: K, value: Events[K]): void {
    const set = this.#listeners.get(event)
    if (set === undefined) return
    for (const listener of [...set]) {
      try {
        ;(listener as (value: Events[K]) => void)(value)
      } catch (err) {
        // A failing listener must not leave the emitter half-way through a frame; report it apart.
        setTimeout(() => { throw err })
      }
    }
  }

  protected removeAllListeners(): void {
    this.#listeners.clear()
  }
}

/** The same emitter for an owner that emits from outside (an adapter, the page's connection). */
export class EventHub<Events extends object> extends Emitter<Events> {
  override emit<K extends keyof Events>(event: K, value: Events[K]): void {
    super.emit(event, value)
  }

  clear(): void {
    this.removeAllListeners()
  }
}
