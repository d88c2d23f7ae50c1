/**
 * Zoom refuses to render a Home URL page unless the response carries HSTS, nosniff, a CSP and a
 * Referrer-Policy (docs/zoom-setup.md). We send them on every response: helmet sets them in
 * onRequest, and an onSend guard restores any a later step dropped (error pages, 404s, files).
 */
import helmet from '@fastify/helmet'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'

export const ZOOM_FRAME_ANCESTORS = ['https://*.zoom.us', 'https://*.zoom.com'] as const

/** The CSP directives; exported so tests and docs can read the policy. */
export function cspDirectives(config: Pick<Config, 'wsOrigin'>): Record<string, string[]> {
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    // No 'unsafe-inline': Vite extracts component CSS to files, and Svelte sets dynamic styles
    // through the CSSOM (element.style), which CSP allows. A static style="" attribute in a
    // template would be ignored by the browser (and reported), so the pages use classes.
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'", config.wsOrigin],
    // The emulator (simulator.html) is same-origin, so 'self' covers it in dev mode.
    'frame-ancestors': ["'self'", ...ZOOM_FRAME_ANCESTORS],
    'frame-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
  }
}

export function cspHeader(config: Pick<Config, 'wsOrigin'>): string {
  return Object.entries(cspDirectives(config)).map(([k, v]) => `${k} ${v.join(' ')}`).join('; ')
}

export const HSTS_VALUE = 'max-age=31536000'

/** The four headers the Zoom client requires on every Home URL response. */
export function requiredHeaders(config: Pick<Config, 'wsOrigin'>): Record<string, string> {
  return {
    'strict-transport-security': HSTS_VALUE,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
    'content-security-policy': cspHeader(config),
  }
}

async function securityHeaders(app: FastifyInstance, opts: { config: Config }): Promise<void> {
  const required = requiredHeaders(opts.config)
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: cspDirectives(opts.config) },
    strictTransportSecurity: { maxAge: 31536000, includeSubDomains: false, preload: false },
    referrerPolicy: { policy: 'same-origin' },
    xContentTypeOptions: true,
    // frame-ancestors supersedes X-Frame-Options, which cannot express "Zoom's client may frame us".
    xFrameOptions: false,
    crossOriginEmbedderPolicy: false,
  })
  app.addHook('onSend', async (_request, reply, payload) => {
    for (const [name, value] of Object.entries(required)) {
      if (!reply.hasHeader(name) && !reply.raw.hasHeader(name)) reply.header(name, value)
    }
    return payload
  })
}

export default fp(securityHeaders, { name: 'security-headers', fastify: '5.x' })
