/**
 * The agent app's service worker (`/sw.js`, built by `agentShell()` in vite.config.ts): the app's
 * shell loads when the network does not, so a reload while offline shows the app, its notes (kept
 * on the device) and its unsent changes, and it syncs by itself once the network is back.
 *
 * - Install: caches the agent page (`/`) and the assets it loads (the build lists them in
 *   `SHELL.files`, hashed names: they never change under one name).
 * - The agent page: always from the network first (it carries the headers Zoom requires and,
 *   inside Zoom, signs the user in), through navigation preload so the browser's own request goes
 *   out unchanged; the cached shell only when the network fails.
 * - The shell's assets: from the cache, else the network. Nothing else is touched: the API, the
 *   WebSocket, the supervisor dashboard and the emulator go to the network as if there were no
 *   worker.
 */
/// <reference lib="webworker" />

/** `SHELL` is set by the build, in front of this script. */
const sw = self as unknown as ServiceWorkerGlobalScope & { SHELL: { version: string; files: string[] } }

const CACHE_PREFIX = 'switchboard-agent-'
const CACHE = `${CACHE_PREFIX}${sw.SHELL.version}`
/** The agent page: the Zoom Home URL. */
const PAGE = '/'
const PAGE_PATHS = new Set(['/', '/index.html'])
const ASSETS = new Set(sw.SHELL.files)

sw.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE)
    await cache.addAll([PAGE, ...ASSETS])
    // A new build takes over at once: the old one's assets may be gone from the server.
    await sw.skipWaiting()
  })())
})

sw.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(CACHE_PREFIX) && name !== CACHE) await caches.delete(name)
    }
    await sw.registration.navigationPreload?.enable()
    await sw.clients.claim()
  })())
})

sw.addEventListener('fetch', (event) => {
  const request = event.request
  if (request.method !== 'GET') return
  const url = new URL(request.url)
  if (url.origin !== sw.location.origin) return
  if (request.mode === 'navigate' && PAGE_PATHS.has(url.pathname)) {
    event.respondWith(page(event))
  } else if (ASSETS.has(url.pathname)) {
    event.respondWith(asset(request))
  }
})

async function page(event: FetchEvent): Promise<Response> {
  try {
    const preloaded = (await event.preloadResponse) as Response | undefined
    return preloaded ?? await fetch(event.request)
  } catch (error) {
    const cached = await caches.match(PAGE, { cacheName: CACHE })
    if (cached) return cached
    throw error
  }
}

async function asset(request: Request): Promise<Response> {
  const cached = await caches.match(request, { cacheName: CACHE })
  return cached ?? fetch(request)
}
