/**
 * Serves the built web app (apps/web/dist, a Vite multi-page build). Hashed files under
 * /assets/ are cached immutably; HTML and the agent app's service worker (`/sw.js`) are
 * revalidated on every load so a deploy takes effect at once. The emulator page exists only while dev sign-in is on. Unknown page-like GETs fall back
 * to the agent app (the Zoom Home URL may carry any path); everything else gets a JSON 404.
 */
import { existsSync } from 'node:fs'
import { dirname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import { errorBody, notFoundJson } from '../errors.ts'

export const IMMUTABLE = 'public, max-age=31536000, immutable'
export const NO_CACHE = 'no-cache'

/** Finds `apps/web/dist` above this module (works from src/ under tsx and from the dist bundle). */
export function defaultWebRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'apps', 'web'))) return join(dir, 'apps', 'web', 'dist')
    dir = dirname(dir)
  }
  return resolve('apps/web/dist')
}

const NON_PAGE_PREFIXES = ['/api/', '/api?', '/ws', '/assets/', '/healthz', '/readyz', '/metrics']

function wantsPage(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false
  const path = request.url.split('?')[0] ?? '/'
  if (path === '/api' || NON_PAGE_PREFIXES.some((p) => request.url.startsWith(p))) return false
  // Paths naming a file (favicon.ico, missing chunk.js) are real 404s, not pages.
  if (/\.[A-Za-z0-9]+$/.test(path)) return false
  return (request.headers.accept ?? '').includes('text/html')
}

async function webApp(app: FastifyInstance, opts: { config: Config; webRoot?: string }): Promise<void> {
  const root = opts.webRoot ?? defaultWebRoot()
  const built = existsSync(join(root, 'index.html'))
  const { devSignIn } = opts.config

  if (!built) {
    app.log.warn({ webRoot: root }, 'web app is not built (run npm run build); serving the API only')
    app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
      if (!wantsPage(request)) return notFoundJson(request, reply)
      return reply.code(404).send(errorBody('NOT_FOUND', request.id, 'The web app is not built: run npm run build.'))
    })
    return
  }

  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: true,
    index: ['index.html'],
    dotfiles: 'ignore',
    cacheControl: false,
    allowedPath: (pathName) => devSignIn || !/^\/simulator(\.html)?$/.test(pathName),
    setHeaders: (reply: FastifyReply, path: string) => {
      // The service worker's script too: a new build must reach the browser's update check.
      if (path.endsWith('.html') || path.endsWith(`${sep}sw.js`)) reply.header('cache-control', NO_CACHE)
      else if (path.startsWith(join(resolve(root), 'assets') + sep)) reply.header('cache-control', IMMUTABLE)
      else reply.header('cache-control', 'public, max-age=3600')
    },
  })

  app.get('/supervisor', (_request, reply) => reply.sendFile('supervisor.html'))
  app.get('/simulator', (request, reply) => {
    if (!devSignIn) return notFoundJson(request, reply)
    return reply.sendFile('simulator.html')
  })

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    if (!wantsPage(request)) return notFoundJson(request, reply)
    return reply.sendFile('index.html')
  })
}

export default fp(webApp, { name: 'web-app', fastify: '5.x' })
