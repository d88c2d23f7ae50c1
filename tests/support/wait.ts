/**
 * Polling for the test clients that record what they receive (the server's ws harness, the
 * reliability suite's raw client): `read` every 5 ms until it gives a value other than undefined;
 * an Error with `failure()` once `timeoutMs` is over, or as soon as `stop()` says it never will.
 */
export async function waitFor<T>(
  read: () => T | undefined, timeoutMs: number, failure: () => string, stop: () => boolean = () => false,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = read()
    if (value !== undefined) return value
    if (Date.now() > deadline || stop()) throw new Error(failure())
    await new Promise((r) => setTimeout(r, 5))
  }
}
