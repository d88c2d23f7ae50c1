/**
 * Child page for the adapter browser test: the real adapter over the real `@zoom/appssdk`, with
 * the engagement cache attached exactly as the agent app does, exposed as `window.zoomProbe`.
 * `?timeout=<ms>` sets the SDK call timeout.
 */
import zoomSdk from '@zoom/appssdk'
import { createZoomAdapter, type ZoomAdapter } from '../../apps/web/src/agent/zoom/adapter.ts'
import { EngagementCache } from '../../apps/web/src/agent/zoom/engagement-cache.svelte.ts'
import { ZoomError } from '../../apps/web/src/agent/zoom/errors.ts'
import { detectHost } from '../../apps/web/src/agent/zoom/host.ts'

const params = new URLSearchParams(location.search)
const adapter = createZoomAdapter({ timeoutMs: Number(params.get('timeout') ?? 3000) })
const cache = new EngagementCache()

function describeError(e: unknown) {
  return e instanceof ZoomError
    ? { kind: e.kind, code: e.code, api: e.api, message: e.message }
    : { kind: 'other', code: null, api: '', message: String(e) }
}

/** SDK methods called directly (as Zoom's samples call them), after the adapter configured the SDK. */
type RawCallable = 'getEngagementStatus' | 'getEngagementContext' | 'getMeetingContext'

type Callable = 'getEngagementContext' | 'getEngagementStatus' | 'getEngagementVariables' | 'getAppContext'
  | 'getRunningContext'

const probe = {
  host: detectHost(),
  hooks: [] as string[],
  adapterEvents: [] as unknown[],
  launched: null as unknown,
  launchError: null as unknown,
  snapshot: () => JSON.parse(JSON.stringify(cache.state)),
  focusedId: () => cache.focusedId,
  openIds: () => cache.open.map((e) => e.id),
  unsupported: () => [...adapter.unsupported],
  async raw(name: RawCallable, options?: { engagementId: string }) {
    await adapter.config()
    try {
      const fn = zoomSdk[name] as (o?: { engagementId: string }) => Promise<unknown>
      return { ok: await fn.call(zoomSdk, options) }
    } catch (e) {
      return { error: { code: (e as { code?: number }).code ?? null, message: e instanceof Error ? e.message : String(e) } }
    }
  },
  async call(name: Callable, ...args: string[]) {
    try {
      const fn = adapter[name] as (...a: string[]) => Promise<unknown>
      return { ok: await fn(...args) }
    } catch (e) {
      return { error: describeError(e) }
    }
  },
}
declare global { interface Window { zoomProbe: typeof probe; zoomAdapter: ZoomAdapter } }
window.zoomProbe = probe
window.zoomAdapter = adapter

for (const name of ['context', 'status', 'variables'] as const) {
  adapter.on(name, (payload) => probe.adapterEvents.push({ name, payload }))
}

const sync = cache.attach(adapter, {
  onObserved: (id, _context, status) => probe.hooks.push(`observed:${id}:${status?.state ?? 'none'}`),
  onFocus: (id, _ts, changed) => probe.hooks.push(`focus:${id}:${changed}`),
  onStatus: (id, _changes, _ts, applied) => probe.hooks.push(`status:${id}:${applied.join(',')}`),
  onVariables: (id) => probe.hooks.push(`variables:${id}`),
  onError: (e) => probe.hooks.push(`error:${e.kind}:${e.code ?? ''}`),
})
sync.launched.then(
  (outcome) => { probe.launched = outcome },
  (error) => { probe.launchError = describeError(error) },
)
