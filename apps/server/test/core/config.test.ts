import { isAbsolute } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.ts'

const SECRET = 'x'.repeat(32)

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('loadConfig defaults', () => {
  it('runs with an empty environment: port 3000, PGlite, dev sign-in', () => {
    const c = loadConfig({})
    expect(c.port).toBe(3000)
    expect(c.host).toBe('0.0.0.0')
    expect(c.publicUrl).toBe('http://localhost:3000')
    expect(c.wsOrigin).toBe('ws://localhost:3000')
    expect(c.databaseUrl).toBeUndefined()
    expect(isAbsolute(c.dataDir)).toBe(true)
    expect(c.authMode).toBe('dev')
    expect(c.devSignIn).toBe(true)
    expect(c.sessionSecret).toBeUndefined()
    expect(c.allowedOrigins).toEqual(['http://localhost:3000'])
    expect(c.shutdownTimeoutMs).toBeLessThan(5000)
    expect(c.ws.maxFrameBytes).toBe(65536)
  })

  it('treats empty strings as unset (as compose and .env files produce)', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '', AUTH_MODE: '' }).port).toBe(3000)
  })

  it('derives the wss origin from an https PUBLIC_URL and keeps ALLOWED_ORIGINS', () => {
    const c = loadConfig({ PUBLIC_URL: 'https://sb.example.com/', ALLOWED_ORIGINS: 'http://localhost:5173, https://sb.example.com' })
    expect(c.publicUrl).toBe('https://sb.example.com')
    expect(c.wsOrigin).toBe('wss://sb.example.com')
    expect(c.allowedOrigins).toEqual(['https://sb.example.com', 'http://localhost:5173'])
  })

  it('chooses Zoom auth when a client secret is set', () => {
    const c = loadConfig({ ZOOM_CLIENT_ID: 'id', ZOOM_CLIENT_SECRET: 's' })
    expect(c.authMode).toBe('zoom')
    expect(c.devSignIn).toBe(false)
    expect(c.zoom.production).toEqual({ clientId: 'id', clientSecret: 's' })
  })

  it('tenancy: multi tenant turns in-client OAuth on; single tenant (ZOOM_ACCOUNT_ID) leaves it optional', () => {
    const dev = loadConfig({})
    expect(dev.zoom).toMatchObject({ accountId: undefined, oauthEnabled: true, oauthHost: 'http://localhost:3000/dev/zoom', apiHost: 'http://localhost:3000/dev/zoom' })
    const multi = loadConfig({ ZOOM_CLIENT_ID: 'id', ZOOM_CLIENT_SECRET: 's' })
    expect(multi.zoom).toMatchObject({ accountId: undefined, oauthEnabled: true, oauthHost: 'https://zoom.us', apiHost: 'https://api.zoom.us' })
    const single = loadConfig({ ZOOM_CLIENT_ID: 'id', ZOOM_CLIENT_SECRET: 's', ZOOM_ACCOUNT_ID: 'Ab-12_x' })
    expect(single.zoom).toMatchObject({ accountId: 'Ab-12_x', oauthEnabled: false })
    expect(loadConfig({ ZOOM_CLIENT_ID: 'id', ZOOM_CLIENT_SECRET: 's', ZOOM_ACCOUNT_ID: 'a', ZOOM_OAUTH_ENABLED: 'true' }).zoom.oauthEnabled).toBe(true)
    expect(dev.ws.maxSocketsPerUser).toBe(16)
    expect(dev.rateLimit).toEqual({ userPerMinute: 600, ipPerMinute: 6000 })
  })

  it('accepts a production setup', () => {
    const c = loadConfig({
      APP_ENV: 'production', SESSION_SECRET: SECRET, ZOOM_CLIENT_ID: 'id', ZOOM_CLIENT_SECRET: 's',
      DATABASE_URL: 'postgres://u:p@db:5432/sb', TRUST_PROXY: 'true',
    })
    expect(c.appEnv).toBe('production')
    expect(c.databaseUrl).toBe('postgres://u:p@db:5432/sb')
    expect(c.trustProxy).toBe(true)
    expect(c.metricsToken).toBeUndefined()
    expect(loadConfig({ METRICS_TOKEN: 'scrape-token-0123456789' }).metricsToken).toBe('scrape-token-0123456789')
  })
})

describe('loadConfig errors name the variable', () => {
  /** One variable set to a value it refuses: the error names that variable. */
  const refused: Record<string, string[]> = {
    PORT: ['abc', '70000', '-1'], DATABASE_URL: ['not a url', 'mysql://u@h/db'],
    PUBLIC_URL: ['ftp://x', 'localhost:3000'], APP_ENV: ['prod'], LOG_LEVEL: ['loud'], AUTH_MODE: ['magic'],
    SESSION_SECRET: ['short'], TOKEN_ENCRYPTION_KEY: ['short'], ZOOM_OAUTH_ENABLED: ['maybe'],
    ZOOM_ACCOUNT_ID: ['not an id!'], WS_MAX_SOCKETS_PER_USER: ['0'], RATE_LIMIT_USER_PER_MINUTE: ['lots'],
    RATE_LIMIT_IP_PER_MINUTE: ['-1'], ALLOWED_ORIGINS: ['https://ok.example.com,https://x.example.com/path'],
    WS_MAX_FRAME_BYTES: ['1.5'], SHUTDOWN_TIMEOUT_MS: ['soon'], TRUST_PROXY: ['sometimes'], METRICS_TOKEN: ['short'],
  }
  it.each<[Record<string, string>, string]>([
    ...Object.entries(refused).flatMap(([variable, values]) => values.map((value): [Record<string, string>, string] => [{ [variable]: value }, variable])),
    // A setting that needs or excludes another: the error names the one to change.
    [{ APP_ENV: 'production', ZOOM_CLIENT_ID: 'id', ZOOM_CLIENT_SECRET: 's' }, 'SESSION_SECRET'],
    [{ APP_ENV: 'production', SESSION_SECRET: SECRET }, 'AUTH_MODE'],
    [{ APP_ENV: 'production', SESSION_SECRET: SECRET, AUTH_MODE: 'dev', ZOOM_CLIENT_ID: 'id', ZOOM_CLIENT_SECRET: 's' }, 'AUTH_MODE'],
    [{ AUTH_MODE: 'zoom' }, 'ZOOM_CLIENT_SECRET'],
    [{ ZOOM_CLIENT_ID: 'id' }, 'ZOOM_CLIENT_SECRET'],
    [{ ZOOM_DEV_CLIENT_SECRET: 's' }, 'ZOOM_DEV_CLIENT_ID'],
    // Multi tenant binds accounts through in-client OAuth: it cannot be off.
    [{ ZOOM_CLIENT_ID: 'id', ZOOM_CLIENT_SECRET: 's', ZOOM_OAUTH_ENABLED: 'false' }, 'ZOOM_OAUTH_ENABLED'],
  ])('%o → %s', (env, variable) => {
    const error = configError(env)
    expect(error.variable).toBe(variable)
    expect(error.message.startsWith(`${variable}: `)).toBe(true)
    expect(error.message).not.toContain('\n')
  })

  it('never echoes a database password', () => {
    const error = configError({ DATABASE_URL: 'mysql://user:hunter2@db/x' })
    expect(error.message).not.toContain('hunter2')
  })
})
