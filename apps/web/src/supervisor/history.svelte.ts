/**
 * Closed engagements for the History tab: one query at a time (a newer search cancels the
 * older one's result), "Load more" follows the server's opaque cursor.
 */
import type { EngagementView } from '@switchboard/protocol'
import { explain, historyParams, listEngagements } from './api.ts'
import type { HistoryFilters } from './url-state.ts'

export class History {
  items = $state.raw<readonly EngagementView[]>([])
  nextCursor = $state<string | null>(null)
  loading = $state(false)
  error = $state<string | null>(null)
  /** True once the first page for the current filters has arrived. */
  loaded = $state(false)

  #params: URLSearchParams | null = null
  #generation = 0

  /** Loads the first page for these filters (no-op when they did not change, unless forced). */
  async search(f: HistoryFilters, force = false): Promise<void> {
    const params = historyParams(f)
    if (!force && this.#params && this.#params.toString() === params.toString()) return
    this.#params = params
    const gen = ++this.#generation
    this.loading = true
    this.error = null
    try {
      const page = await listEngagements(params)
      if (gen !== this.#generation) return
      this.items = page.items
      this.nextCursor = page.nextCursor
      this.loaded = true
    } catch (err) {
      if (gen !== this.#generation) return
      this.error = explain(err)
    } finally {
      if (gen === this.#generation) this.loading = false
    }
  }

  async loadMore(): Promise<void> {
    if (!this.#params || !this.nextCursor || this.loading) return
    const gen = this.#generation
    this.loading = true
    this.error = null
    try {
      const page = await listEngagements(this.#params, this.nextCursor)
      if (gen !== this.#generation) return
      const seen = new Set(this.items.map((e) => e.id))
      this.items = [...this.items, ...page.items.filter((e) => !seen.has(e.id))]
      this.nextCursor = page.nextCursor
    } catch (err) {
      if (gen !== this.#generation) return
      this.error = explain(err)
    } finally {
      if (gen === this.#generation) this.loading = false
    }
  }
}

/**
 * Handle times of engagements closed today (for the histogram): pages through the list, bounded
 * so a busy account cannot make the dashboard fetch without end.
 */
export async function loadTodayHandleTimes(from: number, maxPages = 10): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  const params = new URLSearchParams({ state: 'closed', from: String(from) })
  let cursor: string | null = null
  for (let i = 0; i < maxPages; i++) {
    const page = await listEngagements(params, cursor, 200)
    for (const e of page.items) if (e.handleMs !== null) out.set(e.id, e.handleMs)
    cursor = page.nextCursor
    if (!cursor) break
  }
  return out
}
