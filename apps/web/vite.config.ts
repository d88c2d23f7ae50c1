/**
 * Multi-page build: `index.html` (agent app, the Zoom Home URL), `supervisor.html` (dashboard),
 * `simulator.html` (Zoom client emulator, served only with dev sign-in), and `sw.js`, the agent
 * app's service worker (sw/). The server serves `dist/`; in development Vite serves the pages and
 * proxies the API and WebSocket to the server (no service worker there). Each page file holds its
 * title and entry; `pageShell` (page-shell.ts) makes the document around them.
 */
import { resolve } from 'node:path'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { defineConfig } from 'vite'
import { pageShell } from './page-shell.ts'
import { agentShell } from './sw/vite-plugin.ts'

const root = import.meta.dirname
const server = process.env['SB_SERVER_URL'] ?? `http://localhost:${process.env['PORT'] ?? '3000'}`

export default defineConfig({
  root,
  plugins: [pageShell(), svelte(), agentShell()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No inline scripts or data: modules: the CSP allows only same-origin scripts.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    rolldownOptions: {
      input: {
        index: resolve(root, 'index.html'),
        supervisor: resolve(root, 'supervisor.html'),
        simulator: resolve(root, 'simulator.html'),
      },
    },
  },
  server: {
    port: Number(process.env['VITE_PORT'] ?? 5173),
    strictPort: true,
    proxy: {
      '/api': { target: server, changeOrigin: false },
      '/ws': { target: server, ws: true, changeOrigin: false },
      // The server's development Zoom stand-in (in-client OAuth in the emulator): the server calls
      // it at PUBLIC_URL, which is this dev server.
      '/dev/zoom': { target: server, changeOrigin: false },
      '/healthz': { target: server },
      '/readyz': { target: server },
    },
  },
})
