/**
 * Configuration of the Zoom integration: the Server-to-Server app's three variables together,
 * the sync period, and the development webhook Secret Token (generated only with dev sign-in,
 * kept across restarts, and marked as generated so only it is ever given to the emulator).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.ts'
import { ensureWebhookSecret } from '../../src/secrets.ts'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function error(env: Record<string, string>): string {
  try {
    loadConfig(env)
  } catch (e) {
    if (e instanceof ConfigError) return e.variable
    throw e
  }
  throw new Error('expected a ConfigError')
}

describe('Zoom configuration', () => {
  it('takes the S2S app as all three variables or none, naming the one missing', () => {
    expect(loadConfig({}).zoom.s2s).toBeUndefined()
    expect(loadConfig({ ZOOM_S2S_ACCOUNT_ID: 'a', ZOOM_S2S_CLIENT_ID: 'b', ZOOM_S2S_CLIENT_SECRET: 'c' }).zoom.s2s)
      .toEqual({ accountId: 'a', clientId: 'b', clientSecret: 'c' })
    expect(error({ ZOOM_S2S_ACCOUNT_ID: 'a', ZOOM_S2S_CLIENT_ID: 'b' })).toBe('ZOOM_S2S_CLIENT_SECRET')
    expect(error({ ZOOM_S2S_CLIENT_SECRET: 'c' })).toBe('ZOOM_S2S_ACCOUNT_ID')
  })

  it('refuses a single-tenant deployment whose S2S app names another account', () => {
    const s2s = { ZOOM_S2S_ACCOUNT_ID: 'acctA', ZOOM_S2S_CLIENT_ID: 'b', ZOOM_S2S_CLIENT_SECRET: 'c' }
    expect(loadConfig({ ...s2s, ZOOM_ACCOUNT_ID: 'acctA' }).zoom.s2s?.accountId).toBe('acctA')
    expect(error({ ...s2s, ZOOM_ACCOUNT_ID: 'acctB' })).toBe('ZOOM_S2S_ACCOUNT_ID')
  })

  it('reads the webhook secret and the sync period', () => {
    expect(loadConfig({ ZOOM_WEBHOOK_SECRET_TOKEN: ' tok ' }).zoom.webhookSecretToken).toBe('tok')
    expect(loadConfig({}).zoom.syncIntervalMs).toBe(900_000)
    expect(loadConfig({ ZOOM_SYNC_INTERVAL_MS: '0' }).zoom.syncIntervalMs).toBe(0)
    expect(error({ ZOOM_SYNC_INTERVAL_MS: 'often' })).toBe('ZOOM_SYNC_INTERVAL_MS')
  })

  it('generates a development Secret Token only with dev sign-in, keeps it, and marks it generated', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-zoom-cfg-'))
    dirs.push(dir)
    const dev = await ensureWebhookSecret(loadConfig({ DATA_DIR: dir }))
    expect(dev.zoom.webhookSecretToken).toMatch(/^[\w-]{32,}$/)
    expect(dev.zoom.webhookSecretGenerated).toBe(true)
    expect(readFileSync(join(dir, 'zoom-webhook-secret'), 'utf8').trim()).toBe(dev.zoom.webhookSecretToken)
    expect((await ensureWebhookSecret(loadConfig({ DATA_DIR: dir }))).zoom.webhookSecretToken).toBe(dev.zoom.webhookSecretToken)
    const set = await ensureWebhookSecret(loadConfig({ DATA_DIR: dir, ZOOM_WEBHOOK_SECRET_TOKEN: 'operator-token' }))
    expect(set.zoom).toMatchObject({ webhookSecretToken: 'operator-token' })
    expect(set.zoom.webhookSecretGenerated).toBeUndefined()
    const zoomMode = await ensureWebhookSecret(loadConfig({ DATA_DIR: dir, ZOOM_CLIENT_ID: 'id', ZOOM_CLIENT_SECRET: 's' }))
    expect(zoomMode.zoom.webhookSecretToken).toBeUndefined()
  })
})
