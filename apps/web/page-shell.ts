/**
 * The HTML every page of the web app shares. A page file (`index.html`, `supervisor.html`,
 * `simulator.html`, the scale harness) holds only what is its own: its `<title>` and its entry
 * `<script>`. This plugin puts them in the common document (language, character set, viewport,
 * colour schemes, the `#app` element the page mounts into), in development and in the build alike.
 * A file that is already a whole document (it has an `<html>` element) is left as it is.
 */
import type { Plugin } from 'vite'

export function pageShell(): Plugin {
  return {
    name: 'switchboard-page-shell',
    transformIndexHtml: {
      order: 'pre',
      handler(html) {
        if (/<html[\s>]/i.test(html)) return html
        const title = /<title>[^<]*<\/title>/i.exec(html)?.[0] ?? '<title>Switchboard</title>'
        const scripts = [...html.matchAll(/<script\b[^>]*>[^<]*<\/script>/gi)].map((m) => m[0])
        return [
          '<!doctype html>',
          '<html lang="en">',
          '  <head>',
          '    <meta charset="utf-8" />',
          '    <meta name="viewport" content="width=device-width, initial-scale=1" />',
          '    <meta name="color-scheme" content="light dark" />',
          `    ${title}`,
          '  </head>',
          '  <body>',
          '    <div id="app"></div>',
          ...scripts.map((s) => `    ${s}`),
          '  </body>',
          '</html>',
          '',
        ].join('\n')
      },
    },
  }
}
