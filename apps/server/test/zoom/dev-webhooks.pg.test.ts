/**
 * `GET /api/dev/zoom-webhooks`, what the emulator signs its webhooks with: the generated
 * development token with dev sign-in, never a token an operator set, nothing without dev sign-in.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { ensureWebhookSecret } from '../../src/secrets.ts'
import { openHarnessStore, type Harness } from '../auth/harness.ts'

let h: Harness
let dir: string
beforeAll(async () => {
  h = await openHarnessStore()
  dir = mkdtempSync(join(tmpdir(), 'sb-dev-wh-'))
})
afterAll(async () => {
  await h?.close()
  rmSync(dir, { recursive: true, force: true })
})

async function ask(env: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const config = await ensureWebhookSecret(loadConfig({ SESSION_SECRET: 's'.repeat(32), LOG_LEVEL: 'silent', DATA_DIR: dir, ...env }))
  const app = await buildApp({ config, store: h.store, webRoot: '/nonexistent' })
  try {
    const res = await app.inject({ method: 'GET', url: '/api/dev/zoom-webhooks' })
    return { status: res.statusCode, body: res.json() }
  } finally {
    await app.close()
  }
}

describe('GET /api/dev/zoom-webhooks', () => {
  it('gives the emulator the generated development token', async () => {
    const r = await ask({})
    expect(r.status).toBe(200)
    expect(r.body['secretToken']).toMatch(/^[\w-]{32,}$/)
  })

  it('never gives out a token an operator set, and says why', async () => {
    const r = await ask({ ZOOM_WEBHOOK_SECRET_TOKEN: 'operator-set-token' })
    expect(r.body).toEqual({ secretToken: null, reason: expect.stringMatching(/ZOOM_WEBHOOK_SECRET_TOKEN is set/) })
  })

  it('is refused without dev sign-in', async () => {
    const r = await ask({ ZOOM_DEV_CLIENT_ID: 'id', ZOOM_DEV_CLIENT_SECRET: 'dev-secret', ZOOM_WEBHOOK_SECRET_TOKEN: 'operator-set-token' })
    expect(r.status).toBe(403)
    expect((r.body['error'] as { code: string }).code).toBe('DEV_SIGNIN_DISABLED')
  })
})
