/**
 * Harness for zoom-adapter.browser.test.ts: bundles a parent page (the emulator's controller,
 * bridge and window API, without its Svelte UI) and a child page (the real adapter and engagement
 * cache over the real `@zoom/appssdk`) with esbuild, and serves them from a local static server.
 * `.svelte.ts` modules are compiled with Svelte's own compiler so runes work as in the app.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, extname, join, normalize, resolve } from 'node:path'
import { build, transform, type Plugin } from 'esbuild'
import { compileModule } from 'svelte/compiler'

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
  close(): Promise<void>
}

export async function startHarness(): Promise<Harness> {
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

  const types: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' }
  const server: Server = createServer((req, res) => {
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
    async close() {
      server.closeAllConnections()
      await new Promise<void>((ok) => server.close(() => ok()))
      await rm(dir, { recursive: true, force: true })
    },
  }
}
