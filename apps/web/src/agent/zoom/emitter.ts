/** A minimal typed event emitter; a throwing listener does not stop the others. */
export class Emitter<Events extends { [K in keyof Events]: unknown }> {
  #listeners = new Map<keyof Events, Set<(payload: never) => void>>()
  #onError: (error: unknown) => void

  constructor(onError: (error: unknown) => void = (e) => queueMicrotask(() => { throw e })) {
    this.#onError = onError
  }

  on<K extends keyof Events>(name: K, fn: (payload: Events[K]) => void): () => void {
    let set = this.#listeners.get(name)
    if (!set) this.#listeners.set(name, (set = new Set()))
    set.add(fn as (payload: never) => void)
    return () => { set.delete(fn as (payload: never) => void) }
  }

  emit<K extends keyof Events>(name: K, payload: Events[K]): void {
    const set = this.#listeners.get(name)
    if (!set) return
    for (const fn of [...set]) {
      try {
        (fn as (payload: Events[K]) => void)(payload)
      } catch (error) {
        this.#onError(error)
      }
    }
  }

  clear(): void {
    this.#listeners.clear()
  }
}
