/**
 * Something a test file keeps open: opened in `beforeAll` (`perFile`) or `beforeEach` (`perTest`),
 * closed in the matching after hook, which runs after the file's own after hooks declared later
 * (vitest runs after hooks last-declared first). The returned function gives it inside tests and
 * hooks, and says where it comes from when called outside them.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'

type Hook = (fn: () => Promise<void>, timeoutMs?: number) => void

function held<T>(before: Hook, after: Hook, when: string, what: string, open: () => Promise<T>, close: (value: T) => unknown, timeoutMs?: number): () => T {
  let box: { value: T } | undefined
  before(async () => {
    box = { value: await open() }
  }, timeoutMs)
  after(async () => {
    const opened = box
    box = undefined
    if (opened) await close(opened.value)
  }, timeoutMs)
  return () => {
    if (!box) throw new Error(`${what} is opened in ${when}: use it inside tests and hooks`)
    return box.value
  }
}

export function perFile<T>(what: string, open: () => Promise<T>, close: (value: T) => unknown, timeoutMs?: number): () => T {
  return held(beforeAll, afterAll, 'beforeAll', what, open, close, timeoutMs)
}

export function perTest<T>(what: string, open: () => Promise<T>, close: (value: T) => unknown, timeoutMs?: number): () => T {
  return held(beforeEach, afterEach, 'beforeEach', what, open, close, timeoutMs)
}
