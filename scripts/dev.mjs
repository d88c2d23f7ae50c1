#!/usr/bin/env node
/**
 * `npm run dev`: the server in watch mode (tsx) plus the Vite dev server, which proxies /api and
 * /ws to it. Open http://localhost:5173 (emulator: /simulator.html). Ctrl-C stops both.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '..')
const bin = (/** @type {string} */ name) => join(ROOT, 'node_modules/.bin', name)
const vitePort = process.env.VITE_PORT ?? '5173'
const viteOrigin = `http://localhost:${vitePort}`
const allowed = [process.env.ALLOWED_ORIGINS, viteOrigin].filter(Boolean).join(',')

const children = [
  spawn(bin('tsx'), ['watch', '--clear-screen=false', 'apps/server/src/server.ts'], {
    cwd: ROOT, stdio: 'inherit', env: { ...process.env, ALLOWED_ORIGINS: allowed },
  }),
  spawn(bin('vite'), ['apps/web'], { cwd: ROOT, stdio: 'inherit', env: process.env }),
]

let stopping = false
/** @param {number} code */
function stop(code) {
  if (stopping) return
  stopping = true
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM')
  process.exitCode = code
}
for (const child of children) child.on('exit', (code) => stop(code ?? 0))
process.on('SIGINT', () => stop(0))
process.on('SIGTERM', () => stop(0))
