/**
 * The Home URL sign-in: Zoom sends `x-zoom-app-context` with every request for the app's page.
 * A valid context sets our session cookie and the page is served as usual (for a Zoom user whose
 * account is not bound yet, a session that can only connect it); an invalid one gets a 401 page
 * that says what happened (the Zoom client shows it in place of the app).
 *
 * The Home URL's `accountId` template value is plain query data anyone can edit: it is never
 * used. When present and not the account this deployment serves, that is logged (without it).
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ErrorCode } from '@switchboard/protocol'
import { ERRORS } from '@switchboard/protocol'
import type { Store } from '../store/port.ts'
import { signInWithContext } from './identity.ts'
import { issueSession, setSessionCookie } from './session.ts'
import { accountRowId, type AuthSettings } from './settings.ts'

export const APP_CONTEXT_HEADER = 'x-zoom-app-context'
export const HOME_PATHS: ReadonlySet<string> = new Set(['/', '/index.html', '/supervisor.html', '/supervisor'])
const NON_PAGE_PREFIXES = ['/api/', '/api', '/ws', '/assets/', '/healthz', '/readyz', '/metrics']

/**
 * The app's pages, plus extension-less paths the web app answers with the agent page (a Home URL
 * may carry any path). Files and API routes are never sign-in points.
 */
export function isHomePath(path: string): boolean {
  if (HOME_PATHS.has(path)) return true
  if (NON_PAGE_PREFIXES.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`))) return false
  return !/\.[A-Za-z0-9]+$/.test(path)
}

function pathOf(url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}

/** The Home URL hint, when it names an account (Zoom fills absent template values with "none"). */
function accountHint(query: unknown): string | undefined {
  if (typeof query !== 'object' || query === null) return undefined
  const v = (query as Record<string, unknown>)['accountId']
  return typeof v === 'string' && v.trim() !== '' && v.trim() !== 'none' ? v.trim() : undefined
}

const escape = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

export function errorPage(code: ErrorCode, requestId: string, reason?: string): string {
  const hint = code === 'APP_CONTEXT_EXPIRED'
    ? 'Close Switchboard and open it again from the Zoom client.'
    : 'Open Switchboard from the Zoom client. If this keeps happening, ask your administrator to check the app\'s Zoom credentials (run <code>npm run doctor</code> on the server).'
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchboard: sign-in failed</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:2rem;color:#1d2430}code{background:#eef0f3;padding:0 .25rem}small{color:#687082}</style>
</head><body>
<h1>Switchboard could not sign you in</h1>
<p>${escape(ERRORS[code].message)}</p>
<p>${hint}</p>
${reason ? `<p><small>Details: ${escape(reason)}</small></p>
` : ''}<p><small>Error ${escape(code)} · request ${escape(requestId)}</small></p>
</body></html>`
}

// Zoom refuses to render HTML without these; the security-headers plugin normally sets them
// first, these are only the fallback so the error page always shows.
const FALLBACK_HEADERS: Record<string, string> = {
  'strict-transport-security': 'max-age=31536000',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'referrer-policy': 'same-origin',
}

export function homeContextHook(store: Store, settings: AuthSettings, now: () => number) {
  return async function onHomeRequest(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (request.method !== 'GET' || !isHomePath(pathOf(request.url))) return
    const header = request.headers[APP_CONTEXT_HEADER]
    // Without a header this is an ordinary browser visit (dev sign-in, or a reload that already
    // holds a cookie); without credentials we cannot verify anything, so leave it to the page.
    if (typeof header !== 'string' || settings.credentials.length === 0) return
    const result = await signInWithContext(store, settings, header, { via: 'home', now: now() })
    if (result.ok) {
      const hint = accountHint(request.query)
      if (hint !== undefined && result.user && accountRowId(settings.devSignIn, hint) !== result.user.accountId) {
        request.log.info({ tenancy: settings.tenancy.mode }, 'home url accountId names another account: ignored (never trusted)')
      }
      setSessionCookie(reply, issueSession(settings, result.user, result.cred, now(), result.zoomUserId))
      reply.header('cache-control', 'no-store')
      return
    }
    request.log.info({ code: result.code, reason: result.reason }, 'home url app context refused')
    for (const [name, value] of Object.entries(FALLBACK_HEADERS)) {
      if (!reply.hasHeader(name)) reply.header(name, value)
    }
    await reply.code(401).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(errorPage(result.code, String(request.id), result.reason))
  }
}
