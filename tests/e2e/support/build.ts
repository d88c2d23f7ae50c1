/**
 * The product as it ships, built once per source state into a private directory so that other
 * people's `npm run build` in the repo cannot swap files under a running test:
 *
 *   <dir>/apps/web/dist            Vite build with the app's own config (`npm run build` web)
 *   <dir>/apps/server/dist/server.js  esbuild bundle (scripts/build.mjs builds both)
 *   <dir>/apps/server/migrations   -> the repo's migrations
 *   <dir>/node_modules             -> the repo's node_modules (the bundle leaves npm packages external)
 *
 * The bundle finds `apps/web/dist` and `migrations/` relative to itself, exactly as in the repo.
 * The directory is keyed by the inputs' paths, sizes and mtimes, so the e2e files of one run
 * share one build and an unchanged tree is not rebuilt.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { buildServer, buildWeb } from '../../../scripts/build.mjs'

export const REPO = resolve(import.meta.dirname, '../../..')
const INPUTS = [
  'packages/protocol/src', 'apps/server/src', 'apps/web/src', 'apps/web/index.html',
  'apps/web/supervisor.html', 'apps/web/simulator.html', 'apps/web/vite.config.ts', 'apps/web/page-shell.ts', 'apps/web/sw',
  'apps/web/svelte.config.js', 'apps/web/package.json', 'apps/server/package.json',
]

export interface Build {
  dir: string
  serverEntry: string
}

function fingerprint(): string {
  const hash = createHash('sha256')
  const visit = (p: string): void => {
    if (!existsSync(p)) return
    const st = statSync(p)
    if (st.isDirectory()) {
      for (const entry of readdirSync(p).sort()) {
        if (entry === 'node_modules' || entry === 'dist' || entry === 'bench') continue
        visit(join(p, entry))
      }
    } else {
      hash.update(`${p}\0${st.size}\0${st.mtimeMs}\n`)
    }
  }
  for (const input of INPUTS) visit(join(REPO, input))
  return hash.digest('hex').slice(0, 16)
}

async function withLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
  const until = Date.now() + 180_000
  for (;;) {
    try {
      mkdirSync(lockDir)
      break
    } catch {
      // Another file of this run builds the same tree; a lock older than 3 minutes is abandoned.
      try {
        if (Date.now() - statSync(lockDir).mtimeMs > 180_000) rmSync(lockDir, { recursive: true, force: true })
      } catch { /* gone meanwhile */ }
      if (Date.now() > until) throw new Error(`build lock ${lockDir} held for too long`)
      await new Promise((r) => setTimeout(r, 250))
    }
  }
  try {
    return await fn()
  } finally {
    rmSync(lockDir, { recursive: true, force: true })
  }
}

async function buildInto(dir: string): Promise<void> {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, 'apps/server/dist'), { recursive: true })
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir')
  symlinkSync(join(REPO, 'apps/server/migrations'), join(dir, 'apps/server/migrations'), 'dir')

  // As `npm run build` makes it: vitest sets NODE_ENV=test, with which Vite builds the development
  // variant (Svelte's dev runtime, import.meta.env.DEV, no service worker registration).
  const nodeEnv = process.env['NODE_ENV']
  process.env['NODE_ENV'] = 'production'
  try {
    await buildWeb({ outDir: join(dir, 'apps/web/dist'), logLevel: 'error', mode: 'production' })
  } finally {
    if (nodeEnv === undefined) delete process.env['NODE_ENV']
    else process.env['NODE_ENV'] = nodeEnv
  }
  await buildServer(join(dir, 'apps/server/dist/server.js'))
  writeFileSync(join(dir, 'READY'), new Date().toISOString())
}

/** Builds the web app and server bundle for the current sources (or reuses that build). */
export async function ensureBuild(): Promise<Build> {
  const root = join(tmpdir(), 'sb-e2e-build')
  mkdirSync(root, { recursive: true })
  const key = fingerprint()
  const dir = join(root, key)
  const result = { dir, serverEntry: join(dir, 'apps/server/dist/server.js') }
  if (existsSync(join(dir, 'READY'))) return result
  await withLock(join(root, `${key}.lock`), async () => {
    if (!existsSync(join(dir, 'READY'))) await buildInto(dir)
  })
  // Builds of older source states nobody has used for an hour.
  for (const entry of readdirSync(root)) {
    const p = join(root, entry)
    if (entry !== key && !entry.endsWith('.lock') && Date.now() - statSync(p).mtimeMs > 3_600_000) {
      rmSync(p, { recursive: true, force: true })
    }
  }
  return result
}
