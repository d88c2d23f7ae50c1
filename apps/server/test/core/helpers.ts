/** Shared fixtures for the server-core tests: a config, a fake built web app, an in-memory store. */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { loadConfig, type Config } from '../../src/config.ts'
import { createLogger, type Logger } from '../../src/logger.ts'

export const TEST_SECRET = 'test-session-secret-0123456789abcdef'

export function coreConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ LOG_LEVEL: 'silent', SESSION_SECRET: TEST_SECRET, DATA_DIR: tmpdir(), ...env })
}

export const ASSET = '/assets/index-Ab12Cd34.js'

/** A directory shaped like `apps/web/dist` after `vite build`. */
export function fakeWebRoot(): { root: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'sb-web-'))
  const page = (title: string) =>
    `<!doctype html><html><head><title>${title}</title><script type="module" src="${ASSET}"></script></head><body><div id="app"></div></body></html>`
  writeFileSync(join(root, 'index.html'), page('agent'))
  writeFileSync(join(root, 'supervisor.html'), page('supervisor'))
  writeFileSync(join(root, 'simulator.html'), page('simulator'))
  mkdirSync(join(root, 'assets'))
  writeFileSync(join(root, ASSET.slice(1)), 'console.log("app")\n')
  writeFileSync(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
  writeFileSync(join(root, 'sw.js'), 'self.SHELL = { version: "v1", files: [] }\n')
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) }
}

/** A pino logger whose lines are collected in memory (to check what gets logged). */
export function memoryLogger(config: Pick<Config, 'nodeId'>): { logger: Logger; lines: string[] } {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'))
      done()
    },
  })
  return { logger: createLogger({ logLevel: 'info', nodeId: config.nodeId }, stream), lines }
}
