#!/usr/bin/env node
/**
 * Builds the web app (Vite → apps/web/dist) and the server bundle (esbuild →
 * apps/server/dist/server.js, with @switchboard/protocol's TypeScript source bundled in and npm
 * packages left external). Usage: node scripts/build.mjs [web] [server]  (default: both).
 */
import { rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

export const ROOT = join(import.meta.dirname, '..')
export const WEB_DIST = join(ROOT, 'apps/web/dist')
export const SERVER_BUNDLE = join(ROOT, 'apps/server/dist/server.js')

/**
 * @param {{ outDir?: string, logLevel?: import('vite').LogLevel, mode?: string }} [opts] another
 *   output directory than apps/web/dist (the e2e tests build into a private one)
 */
export async function buildWeb(opts = {}) {
  const { build } = await import('vite')
  await build({
    root: join(ROOT, 'apps/web'),
    configFile: join(ROOT, 'apps/web/vite.config.ts'),
    logLevel: opts.logLevel ?? (process.env.CI ? 'info' : 'warn'),
    ...(opts.mode ? { mode: opts.mode } : {}),
    ...(opts.outDir ? { build: { outDir: opts.outDir, emptyOutDir: true } } : {}),
  })
}

/** Keeps every bare import external except our own workspace packages (TypeScript source). */
/** @type {import('esbuild').Plugin} */
const externalNpm = {
  name: 'external-npm',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@switchboard/') || args.path.startsWith('node:')) return undefined
      return { path: args.path, external: true }
    })
  },
}

/** @param {string} [outfile] another bundle than apps/server/dist/server.js (its directory is emptied first) */
export async function buildServer(outfile = SERVER_BUNDLE) {
  const esbuild = await import('esbuild')
  rmSync(dirname(outfile), { recursive: true, force: true })
  await esbuild.build({
    entryPoints: [join(ROOT, 'apps/server/src/server.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22.13',
    sourcemap: true,
    logLevel: 'warning',
    plugins: [externalNpm],
  })
  // The esbuild service process would otherwise live on beside the server `npm start` runs.
  await esbuild.stop()
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href
if (isMain) {
  const args = process.argv.slice(2)
  const targets = args.length === 0 ? ['web', 'server'] : args
  for (const target of targets) {
    const started = Date.now()
    if (target === 'web') await buildWeb()
    else if (target === 'server') await buildServer()
    else {
      process.stderr.write(`build: unknown target ${JSON.stringify(target)} (use web or server)\n`)
      process.exit(2)
    }
    process.stdout.write(`build: ${target} done in ${Date.now() - started} ms\n`)
  }
}
