#!/usr/bin/env node
/**
 * `npm start`: builds what is missing or out of date (web app, server bundle), then runs the
 * server in this process (it migrates the database on boot). With no DATABASE_URL the server
 * uses embedded PGlite under ./.data and dev sign-in, so a fresh clone needs nothing else.
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { buildServer, buildWeb, ROOT, SERVER_BUNDLE, WEB_DIST } from './build.mjs'

/**
 * Newest modification time under the given files/directories (0 when none exist).
 * @param {string[]} paths
 */
function newest(paths) {
  let max = 0
  const visit = (/** @type {string} */ p) => {
    if (!existsSync(p)) return
    const st = statSync(p)
    if (st.isDirectory()) {
      for (const entry of readdirSync(p)) if (entry !== 'node_modules' && entry !== 'dist') visit(join(p, entry))
    } else if (st.mtimeMs > max) max = st.mtimeMs
  }
  paths.forEach((p) => visit(join(ROOT, p)))
  return max
}

/**
 * @param {string} output
 * @param {string[]} inputs
 */
function stale(output, inputs) {
  if (!existsSync(output)) return 'missing'
  const sources = newest(inputs)
  return sources > statSync(output).mtimeMs ? 'out of date' : null
}

const shared = ['packages/protocol/src']
const web = stale(join(WEB_DIST, 'index.html'), [
  ...shared, 'apps/web/src', 'apps/web/index.html', 'apps/web/supervisor.html', 'apps/web/simulator.html',
  'apps/web/vite.config.ts', 'apps/web/svelte.config.js',
])
if (web) {
  process.stdout.write(`start: web app ${web}, building…\n`)
  await buildWeb()
}
const server = stale(SERVER_BUNDLE, [...shared, 'apps/server/src'])
if (server) {
  process.stdout.write(`start: server bundle ${server}, building…\n`)
  await buildServer()
}
await import(pathToFileURL(SERVER_BUNDLE).href)
