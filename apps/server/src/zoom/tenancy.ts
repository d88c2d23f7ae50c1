/**
 * Which of our accounts a Zoom account id belongs to. A webhook's `payload.account_id` picks the
 * account; an account this deployment does not serve is never created from a webhook (its
 * events are counted and ignored). Served means (docs/zoom-webhooks.md, "Tenancy"):
 *   - single tenant (ZOOM_ACCOUNT_ID): that account only;
 *   - the account the Server-to-Server app is configured for (ZOOM_S2S_ACCOUNT_ID): the operator
 *     named it;
 *   - multi tenant: an account at least one of whose users was bound through in-client OAuth
 *     (`accountServed`); an account row alone (made by dev sign-in, or by the old unsigned
 *     Home URL hint) is not enough;
 *   - with dev sign-in (development only, refused in production): any existing account, by its
 *     pseudonym or by the id as given, so the emulator's webhooks reach the account it signed in to.
 */
import { zoomAccountKey } from '../auth/token-crypto.ts'
import { accountServed } from '../auth/tenancy.ts'
import { accountRowId, type AuthSettings } from '../auth/settings.ts'
import type { Db } from '../store/port.ts'

const TTL_MS = 30_000
const MAX_CACHED = 10_000

export interface AccountLookupOptions {
  settings: AuthSettings
  /** ZOOM_S2S_ACCOUNT_ID, when the Server-to-Server app is configured. */
  s2sZoomAccountId?: string | undefined
  now?: () => number
}

/** The account row the Server-to-Server app's account maps to (the same row its users sign in to). */
export function s2sAccountRow(settings: AuthSettings, s2sZoomAccountId: string): string {
  return settings.tenancy.mode === 'single' ? settings.tenancy.accountId : accountRowId(settings.devSignIn, s2sZoomAccountId)
}

export class AccountLookup {
  private readonly cache = new Map<string, { id: string | null; at: number }>()
  private readonly o: AccountLookupOptions
  private readonly now: () => number

  constructor(o: AccountLookupOptions) {
    this.o = o
    this.now = o.now ?? Date.now
  }

  /** Our account id for a Zoom account id, or null when this deployment does not serve it. */
  async resolve(db: Db, zoomAccountId: string): Promise<string | null> {
    const hit = this.cache.get(zoomAccountId)
    // Served accounts are cached; an unknown one is asked again (its first user may connect any time).
    if (hit && hit.id !== null && this.now() - hit.at < TTL_MS) return hit.id
    const id = await this.served(db, zoomAccountId)
    if (this.cache.size >= MAX_CACHED) this.cache.clear()
    this.cache.set(zoomAccountId, { id, at: this.now() })
    return id
  }

  private async served(db: Db, zoomAccountId: string): Promise<string | null> {
    const { settings, s2sZoomAccountId } = this.o
    if (settings.tenancy.mode === 'single') return accountServed(db, settings, zoomAccountId)
    if (s2sZoomAccountId !== undefined && zoomAccountId === s2sZoomAccountId) return s2sAccountRow(settings, zoomAccountId)
    if (!settings.devSignIn) return accountServed(db, settings, zoomAccountId)
    const key = zoomAccountKey(zoomAccountId)
    const res = await db.query<{ id: string }>(
      'select id from accounts where id = any($1::text[]) order by (id = $2) desc limit 1', [[key, zoomAccountId], key])
    return res.rows[0]?.id ?? null
  }
}
