/**
 * What a test file starts in `beforeAll` and must release in `afterAll` (nodes, stand-ins,
 * proxies, throwaway databases): `keep(x)` returns `x` and has the file's `afterAll` close it (or
 * drop it, for a database), the last kept first; every one is released even when an earlier one
 * fails, and the first failure is thrown.
 */
import { afterAll } from 'vitest'

export type Releasable = { close(): unknown } | { drop(): unknown }

export function releasedAfterAll(timeoutMs = 30_000): <T extends Releasable>(x: T) => T {
  const kept: Releasable[] = []
  afterAll(async () => {
    const errors: unknown[] = []
    for (const x of kept.splice(0).toReversed()) {
      try {
        await ('drop' in x ? x.drop() : x.close())
      } catch (error) {
        errors.push(error)
      }
    }
    if (errors.length > 0) throw errors[0]
  }, timeoutMs)
  return (x) => {
    kept.push(x)
    return x
  }
}
