/**
 * One object a page shares with its components through Svelte's context, under its own key: set
 * by the root component, provided by a harness or bench through `mount(..., { context })`, or
 * made where nothing above provided it. The connection, the clock, the board and the agent state
 * each have one.
 */
import { getContext, hasContext, setContext } from 'svelte'

export interface ContextSlot<T> {
  /** Provide `value` to all components below (call in the root component). */
  set(value: T): T
  /** What a parent (or a harness, through `mount`'s context) provided, else `make()`'s, provided from here down. */
  provide(make: () => T): T
  /** For `mount(..., { context })`: an object made outside any component (benches, harnesses). */
  entry(value: T): [symbol, T]
  /** What a parent provided; throws when none did. */
  get(): T
}

export function contextSlot<T>(name: string): ContextSlot<T> {
  const key = Symbol(`switchboard.${name}`)
  return {
    set: (value) => setContext(key, value),
    provide: (make) => (hasContext(key) ? getContext<T>(key) : setContext(key, make())),
    entry: (value) => [key, value],
    get() {
      if (!hasContext(key)) throw new Error(`No ${name} in context: provide it in the root component`)
      return getContext<T>(key)
    },
  }
}
