/**
 * Signing in the production way, end to end on the built server and real Postgres: the agent app
 * in the Zoom client emulator gets its session from a real encrypted app context (made by the
 * server with the development client secret) through the Home URL header or `getAppContext()` +
 * `POST /api/session`; a first-time user connects their Zoom account through in-client OAuth
 * (authorize, the emulator's consent screen, onAuthorized, the server's Zoom stand-in), and until
 * then the dashboard tells them to connect; a supervisor demoted while the dashboard is open loses
 * the board at once.
 */
import type { BrowserContext, Request } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { ERRORS } from '@switchboard/protocol'
import { openAgent } from './support/agent.ts'
import { e2eEnabled, POLL } from './support/env.ts'
import { openOneNodeStage, stageForFile } from './support/stage.ts'
import { openSupervisor } from './support/supervisor.ts'

describe.skipIf(!e2eEnabled('sign-in'))('production sign-in path in the emulator', () => {
  const f = stageForFile((cleanup) => openOneNodeStage(cleanup, 'e2e-sign-in'))
  const { accountId } = f
  const newContext = (): Promise<BrowserContext> => f.newContext({ viewport: { width: 1280, height: 900 } })
  const db = () => f.stage.db

  /** Requests the page and its frames make to the server, with their answers. */
  function recordRequests(context: BrowserContext): Array<{ method: string; path: string; header: string | null; body: string | null; status: Promise<number> }> {
    const seen: Array<{ method: string; path: string; header: string | null; body: string | null; status: Promise<number> }> = []
    context.on('request', (r: Request) => {
      const url = new URL(r.url())
      seen.push({
        method: r.method(), path: url.pathname, header: r.headers()['x-zoom-app-context'] ?? null, body: r.postData(),
        // A request still open when its page closes has no answer: 0, not an unhandled rejection.
        status: r.response().then((res) => res?.status() ?? 0, () => 0),
      })
    })
    return seen
  }

  it('getAppContext → POST /api/session with an encrypted context signs the agent in', async () => {
    const context = await newContext()
    const seen = recordRequests(context)
    const agent = await openAgent(context, f.stage.node.origin, { accountId, userId: 'agent-post', displayName: 'Pat Post', via: 'app-context' })
    await expect.poll(() => agent.app().locator('main.content').innerText(), POLL).toContain('Waiting for an engagement')
    const posts = seen.filter((r) => r.method === 'POST' && r.path === '/api/session')
    expect(posts.length).toBeGreaterThan(0)
    const body = JSON.parse(posts.at(-1)!.body!) as { context: string }
    // Zoom's layout: standard base64 of [ivLength][iv][aadLength][aad][cipherLength][cipher][tag].
    const bytes = Buffer.from(body.context, 'base64')
    expect(bytes.length).toBeGreaterThan(1 + 12 + 2 + 4 + 16)
    expect(bytes.toString('utf8')).not.toContain('agent-post')
    expect(await posts.at(-1)!.status).toBe(200)
    const calls = await agent.page.evaluate(() => window.zoomEmulator!.log().filter((e) => e.kind === 'request').map((e) => e.name))
    expect(calls).toContain('getAppContext')
    await context.close()
  })

  it('the Home URL request with x-zoom-app-context sets the session: no getAppContext needed', async () => {
    const context = await newContext()
    const seen = recordRequests(context)
    const agent = await openAgent(context, f.stage.node.origin, { accountId, userId: 'agent-home', displayName: 'Hana Home' })
    await expect.poll(() => agent.app().locator('main.content').innerText(), POLL).toContain('Waiting for an engagement')
    const home = seen.filter((r) => r.path === '/' && r.header !== null)
    expect(home.length).toBeGreaterThan(0)
    expect(await home.at(-1)!.status).toBe(200)
    expect(seen.filter((r) => r.method === 'POST' && r.path === '/api/session')).toEqual([])
    const calls = await agent.page.evaluate(() => window.zoomEmulator!.log().filter((e) => e.kind === 'request').map((e) => e.name))
    expect(calls).not.toContain('getAppContext')
    await context.close()
  })

  it('a first-time user connects their Zoom account through in-client OAuth; the supervisor of that account sees their engagement', async () => {
    const sup = await openSupervisor(await newContext(), f.stage.node.origin, { accountId, userId: 'sup-oauth', displayName: 'Sue' })
    const context = await newContext()
    const seen = recordRequests(context)
    const agent = await openAgent(context, f.stage.node.origin, { accountId, userId: 'agent-new', displayName: 'Nia New', connected: false })
    const connect = agent.app().getByRole('button', { name: 'Connect' })
    await expect.poll(() => connect.isVisible(), POLL).toBe(true)
    // Not connected yet: nothing of the account is reachable, and no binding exists.
    expect(await db().query('select 1 from zoom_identities where zoom_user_id = $1', ['agent-new'])).toEqual([])
    // The same browser opening the dashboard is told to connect first, not "Supervisors only".
    const dash = await context.newPage()
    await dash.goto(`${f.stage.node.origin}/supervisor.html`)
    await expect.poll(() => dash.getByRole('heading', { name: 'Connect Switchboard to your Zoom account first' }).count(), POLL).toBe(1)
    expect(await dash.getByRole('heading', { name: 'Supervisors only' }).count()).toBe(0)
    await dash.close()
    await connect.click()
    await agent.page.getByRole('dialog', { name: 'Allow Switchboard to access your Zoom account?' }).getByRole('button', { name: 'Allow' }).click()
    await expect.poll(() => agent.app().locator('main.content').innerText(), POLL).toContain('Waiting for an engagement')
    const done = seen.filter((r) => r.method === 'POST' && r.path === '/api/oauth/complete')
    expect(await done.at(-1)!.status).toBe(200)
    const binding = await db().query<{ account_id: string; source: string }>('select account_id, source from zoom_identities where zoom_user_id = $1', ['agent-new'])
    expect(binding).toEqual([{ account_id: accountId, source: 'oauth' }])
    // The display name came from Zoom's /v2/users/me (the stand-in), not from the browser.
    const user = await db().query<{ display_name: string }>('select display_name from users where account_id = $1 and id = $2', [accountId, 'agent-new'])
    expect(user[0]?.display_name).toBe('Nia New')

    const id = await agent.create({ consumer: { name: 'Olu Ojo' }, queueName: 'Billing' })
    await expect.poll(() => sup.row(id).count(), POLL).toBe(1)
    await context.close()
    await sup.context.close()
  })

  it('a supervisor demoted while the dashboard is open loses the board at once (4003), and is told', async () => {
    const sup = await openSupervisor(await newContext(), f.stage.node.origin, { accountId, userId: 'sup-demoted', displayName: 'Dee' })
    await sup.page.locator('table.board').waitFor({ state: 'visible' })
    const admin = await fetch(`${f.stage.node.origin}/api/dev/sign-in`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accountId, userId: 'admin-1', role: 'admin', displayName: 'Ari Admin' }),
    })
    const cookie = admin.headers.get('set-cookie')!.split(';')[0]!
    const res = await fetch(`${f.stage.node.origin}/api/admin/users/sup-demoted/role`, {
      method: 'PUT', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ role: 'agent' }),
    })
    expect(res.status).toBe(200)
    await expect.poll(() => sup.page.getByRole('alert').filter({ hasText: ERRORS.FORBIDDEN.message }).count(), POLL).toBe(1)
    await sup.page.getByRole('button', { name: 'Sign in again' }).click()
    await expect.poll(() => sup.page.getByRole('heading', { name: 'Supervisors only' }).isVisible(), POLL).toBe(true)
    await sup.context.close()
  })
})
