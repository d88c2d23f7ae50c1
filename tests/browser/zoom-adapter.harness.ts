/**
 * Harness for the zoom-adapter browser tests: bundles a parent page (the emulator's controller,
 * bridge and window API, without its Svelte UI) and a child page (the real adapter and engagement
 * cache over the real `@zoom/appssdk`) with esbuild, optionally builds the real emulator page with
 * Vite, and serves them from a local static server.
 * `.svelte.ts` modules are compiled with Svelte's own compiler so runes work as in the app.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, extname, join, normalize, resolve } from 'node:path'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { build, transform, type Plugin } from 'esbuild'
import { compileModule } from 'svelte/compiler'
import { build as viteBuild } from 'vite'
import { pageShell } from '../../apps/web/page-shell.ts'

const here = import.meta.dirname
const repo = resolve(here, '../..')

const svelteRunes: Plugin = {
  name: 'svelte-runes',
  setup(b) {
    b.onLoad({ filter: /\.svelte\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8')
      const js = await transform(source, { loader: 'ts', format: 'esm', target: 'es2022' })
      const compiled = compileModule(js.code, { filename: args.path, generate: 'client', dev: false })
      return { contents: compiled.js.code, loader: 'js', resolveDir: dirname(args.path) }
    })
  },
}

const page = (script: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${script}</title></head>
<body><script type="module" src="/${script}.js"></script></body></html>`

export interface Harness {
  origin: string
  /** Bodies received by the stand-in `POST /api/dev/zoom/app-context` (the emulator's Zoom user). */
  appContexts: unknown[]
  /** `x-zoom-app-context` values of page requests (the emulator's Home URL requests). */
  homeHeaders: string[]
  close(): Promise<void>
}

export interface HarnessOptions {
  /** Also build the real emulator page (`simulator.html` with its Svelte UI) with Vite. */
  simulator?: boolean
}

async function buildSimulator(outDir: string): Promise<void> {
  const root = join(repo, 'apps/web')
  await viteBuild({
    configFile: false,
    root,
    logLevel: 'error',
    // pageShell makes the document around simulator.html's title and entry, as in the app's build.
    plugins: [pageShell(), svelte({ configFile: false })],
    build: {
      outDir,
      emptyOutDir: false,
      assetsInlineLimit: 0,
      modulePreload: { polyfill: false },
      rolldownOptions: { input: { simulator: join(root, 'simulator.html') } },
    },
  })
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-zoom-adapter-'))
  await build({
    entryPoints: {
      parent: join(here, 'zoom-adapter.parent.ts'),
      child: join(here, 'zoom-adapter.child.ts'),
    },
    outdir: dir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['browser', 'production'],
    absWorkingDir: repo,
    plugins: [svelteRunes],
    logLevel: 'error',
  })
  await writeFile(join(dir, 'parent.html'), page('parent'))
  await writeFile(join(dir, 'child.html'), page('child'))
  if (options.simulator) await buildSimulator(dir)
  const appContexts: unknown[] = []
  const homeHeaders: string[] = []

  const types: Record<string, string> = {
    '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  }
  const server: Server = createServer((req, res) => {
    // Stand-ins for the server's development Zoom: a numbered app context per request (the real
    // route has its own tests), and a session cookie for a page requested with one, as the
    // server's Home URL sign-in sets it.
    if (req.method === 'POST' && req.url === '/api/dev/zoom/app-context') {
      let body = ''
      req.on('data', (c: Buffer) => { body += c.toString() })
      req.on('end', () => {
        appContexts.push(JSON.parse(body))
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ context: `ctx-${appContexts.length}` }))
      })
      return
    }
    if (req.method === 'DELETE' && req.url === '/api/session') {
      res.writeHead(204, { 'set-cookie': 'sb_session=; Path=/; Max-Age=0' }).end()
      return
    }
    const header = req.headers['x-zoom-app-context']
    if (typeof header === 'string') {
      homeHeaders.push(header)
      res.setHeader('set-cookie', 'sb_session=test-session; Path=/; SameSite=Lax')
    }
    const path = normalize(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '')
    const file = join(dir, path)
    if (!file.startsWith(dir) || !(extname(file) in types)) {
      res.writeHead(404).end()
      return
    }
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': types[extname(file)]!, 'cache-control': 'no-store' }).end(body),
      () => res.writeHead(404).end(),
    )
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    appContexts,
    homeHeaders,
    async close() {
      server.closeAllConnections()
      await new Promise<void>((ok) => server.close(() => ok()))
      await rm(dir, { recursive: true, force: true })
    },
  }
}
