/**
 * Which of our accounts a Zoom account id belongs to. A webhook's `payload.account_id` picks the
 * account; an account this deployment does not serve is never created from a webhook (its
 * events are counted and ignored). Accounts are keyed by the pseudonym `zoomAccountKey` (Zoom
 * account ids are never stored in clear); with dev sign-in, whose accounts are used as given,
 * the id itself is tried too, so the emulator's webhooks reach the account it signed in to.
 */
import { zoomAccountKey } from '../auth/token-crypto.ts'
import type { Db } from '../store/port.ts'

const TTL_MS = 30_000
const MAX_CACHED = 10_000

export class AccountLookup {
  private readonly cache = new Map<string, { id: string | null; at: number }>()
  private readonly devSignIn: boolean
  private readonly now: () => number

  constructor(opts: { devSignIn: boolean; now?: () => number }) {
    this.devSignIn = opts.devSignIn
    this.now = opts.now ?? Date.now
  }

  /** Our account id for a Zoom account id, or null when this deployment does not serve it. */
  async resolve(db: Db, zoomAccountId: string): Promise<string | null> {
    const hit = this.cache.get(zoomAccountId)
    // Known accounts are cached; an unknown one is asked again (its first user may sign in any time).
    if (hit && hit.id !== null && this.now() - hit.at < TTL_MS) return hit.id
    const key = zoomAccountKey(zoomAccountId)
    const candidates = this.devSignIn ? [key, zoomAccountId] : [key]
    const res = await db.query<{ id: string }>(
      'select id from accounts where id = any($1::text[]) order by (id = $2) desc limit 1', [candidates, key])
    const id = res.rows[0]?.id ?? null
    if (this.cache.size >= MAX_CACHED) this.cache.clear()
    this.cache.set(zoomAccountId, { id, at: this.now() })
    return id
  }
}
