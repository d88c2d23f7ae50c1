/**
 * A minimal Fastify app with the auth plugin, the server's error handler and the real store on a
 * fresh Postgres database. Only the auth plugin is under test; the rest is the production code.
 */
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify'
import authPlugin, { type AuthPluginOptions } from '../../src/auth/plugin.ts'
import rateLimit from '../../src/http/rate-limit.ts'
import { SESSION_COOKIE } from '../../src/auth/session-token.ts'
import { loadConfig, type Config } from '../../src/config.ts'
import { errorHandler } from '../../src/errors.ts'
import { openStore } from '../../src/store/index.ts'
import { migrate } from '../../src/store/migrate.ts'
import type { Store } from '../../src/store/port.ts'
import { createTestDatabase, silentLogger, type TestDatabase } from '../store/test-db.ts'

export const SESSION_SECRET = 'test-session-secret-0123456789abcdef'

export interface Harness {
  store: Store
  db: TestDatabase
  close(): Promise<void>
}

export async function openHarnessStore(): Promise<Harness> {
  const db = await createTestDatabase()
  const store = await openStore({ databaseUrl: db.url, dataDir: '/nonexistent', logger: silentLogger })
  await migrate(store)
  return {
    store,
    db,
    async close() {
      await store.close()
      await db.drop()
    },
  }
}

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ SESSION_SECRET, PUBLIC_URL: 'https://sb.example.test', LOG_LEVEL: 'silent', ...env })
}

export async function buildAuthApp(
  store: Store,
  config: Config,
  extra: Partial<AuthPluginOptions> & { rateLimit?: { userPerMinute?: number; ipPerMinute?: number } } = {},
  setup?: (app: FastifyInstance) => void,
): Promise<FastifyInstance> {
  const { rateLimit: limits, ...authExtra } = extra
  // Strict request bodies, as buildApp configures them.
  const app = Fastify({ logger: false, ajv: { customOptions: { removeAdditional: false } } })
  app.setErrorHandler(errorHandler)
  if (limits) {
    await app.register(rateLimit, {
      userPerMinute: limits.userPerMinute ?? config.rateLimit.userPerMinute,
      ipPerMinute: limits.ipPerMinute ?? config.rateLimit.ipPerMinute,
      sessionSecret: config.sessionSecret!,
      ...(authExtra.now ? { now: authExtra.now } : {}),
    })
  }
  await app.register(authPlugin, { config, store, ...authExtra })
  // Stand-ins for the web app's pages, so the Home URL hook has something to guard.
  for (const url of ['/', '/index.html', '/supervisor.html', '/other.html']) {
    app.get(url, async (_req, reply) => reply.type('text/html').send('<!doctype html><p>app</p>'))
  }
  await app.after()
  setup?.(app)
  await app.ready()
  return app
}

/** The `sb_session` cookie value from a response, if it set one. */
export function sessionCookie(res: LightMyRequestResponse): string | undefined {
  return res.cookies.find((c) => c.name === SESSION_COOKIE && c.value !== '')?.value
}

export function cookieHeader(token: string): { cookie: string } {
  return { cookie: `${SESSION_COOKIE}=${token}` }
}

export class Clock {
  t: number
  constructor(t = Date.now()) {
    this.t = t
  }
  now = (): number => this.t
  advance(ms: number): void {
    this.t += ms
  }
}
