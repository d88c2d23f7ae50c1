export interface BackoffOptions {
  /** Cap of the first retry's delay. */
  baseMs: number
  /** Largest delay ever. */
  maxMs: number
}

/**
 * Exponential backoff with full jitter: a uniform delay in `[0, min(maxMs, baseMs * 2^attempt))`,
 * so a fleet of clients dropped by one restart does not come back in lockstep.
 * `attempt` counts from 0 (the first retry).
 */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const cap = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(Math.max(attempt, 0), 30))
  return Math.floor(Math.min(Math.max(random(), 0), 0.999999) * cap)
}
