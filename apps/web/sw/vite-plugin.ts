/**
 * Builds the agent app's service worker (`sw/service-worker.ts`) into `dist/sw.js`, prefixed with
 * what it caches: the assets the built `index.html` loads (its script, module preloads and
 * styles) and a version that changes with them and with the worker itself, so a new build
 * installs a new worker that replaces the old cache.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { transformWithOxc, type Plugin } from 'vite'

const SOURCE = join(import.meta.dirname, 'service-worker.ts')

export function agentShell(): Plugin {
  return {
    name: 'switchboard-agent-shell',
    apply: 'build',
    generateBundle: {
      order: 'post',
      async handler(_options, bundle) {
        const html = bundle['index.html']
        // A build without the agent page (a test harness) has no shell to keep.
        if (html?.type !== 'asset') return
        const page = String(html.source)
        const files = [...new Set([...page.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!))]
        const worker = (await transformWithOxc(readFileSync(SOURCE, 'utf8'), SOURCE, { lang: 'ts' })).code
        const version = createHash('sha256').update(page).update(worker).digest('hex').slice(0, 16)
        this.emitFile({
          type: 'asset',
          fileName: 'sw.js',
          source: `self.SHELL = ${JSON.stringify({ version, files })};\n${worker}`,
        })
      },
    },
  }
}
