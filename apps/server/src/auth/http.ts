/**
 * HTTP plumbing shared by the auth routes. Error bodies come from the server's one error module
 * (`../errors.ts`); rate-limit rejections are thrown as `RATE_LIMITED` app errors so the
 * application's error handler answers them like any other.
 */
import { AppError } from '@switchboard/protocol'

export { sendError } from '../errors.ts'

export interface RateLimits {
  /** Requests per minute per client address. */
  session: number
  devSignIn: number
  oauth: number
}

/**
 * Sessions: generous enough for a whole contact center behind one proxy address (TRUST_PROXY
 * off) reconnecting after a deploy, tight enough to stop guessing loops. Dev sign-in exists only
 * in development, where load runs sign in thousands of users from one address.
 */
export const DEFAULT_RATE_LIMITS: RateLimits = { session: 1000, devSignIn: 6000, oauth: 60 }

/** Route `config` for @fastify/rate-limit. */
export function rateLimit(max: number): { rateLimit: Record<string, unknown> } {
  return {
    rateLimit: {
      max,
      timeWindow: 60_000,
      errorResponseBuilder: () => {
        const e = new AppError('RATE_LIMITED') as AppError & { statusCode: number }
        e.statusCode = 429
        return e
      },
    },
  }
}
