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
  /** Bodies received by the stand-in `POST /api/dev/sign-in`. */
  signIns: unknown[]
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
    plugins: [svelte({ configFile: false })],
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
  const signIns: unknown[] = []

  const types: Record<string, string> = {
    '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  }
  const server: Server = createServer((req, res) => {
    // A stand-in for the server's dev sign-in (the real route has its own tests): records the body
    // and sets a readable cookie so the test can see the framed app shares it.
    if (req.method === 'POST' && req.url === '/api/dev/sign-in') {
      let body = ''
      req.on('data', (c: Buffer) => { body += c.toString() })
      req.on('end', () => {
        const input = JSON.parse(body) as { accountId: string; userId: string; role: string; displayName?: string }
        signIns.push(input)
        res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'sb_session=test-session; Path=/; SameSite=Lax' })
        res.end(JSON.stringify({
          user: { id: input.userId, accountId: input.accountId, role: input.role, displayName: input.displayName ?? null },
          wsToken: 'test', expiresAt: Date.now() + 3_600_000,
        }))
      })
      return
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
    signIns,
    async close() {
      server.closeAllConnections()
      await new Promise<void>((ok) => server.close(() => ok()))
      await rm(dir, { recursive: true, force: true })
    },
  }
}
