/**
 * Configuration: parsed once at boot from the environment. `loadConfig(env)` is pure (apart from
 * the default NODE_ID, which names this host and process) and throws a `ConfigError` whose message
 * is one line naming the variable and what is wrong. Empty strings count as unset.
 *
 * One schema: `SETTINGS` is the table of settings read from one variable each (variable, parser,
 * default, bounds); their part of `Config`'s type and their parsing both derive from it, and the
 * engine takes its part of the config as it is (`EngineSettings`, no field-by-field copy). What
 * depends on several variables (the public URL and origins, auth mode, Zoom credentials and
 * tenancy) is derived after it in `loadConfig`. `config-docs.test.ts` keeps README.md,
 * docs/architecture.md and .env.example naming every variable with the table's defaults.
 */
import { hostname } from 'node:os'
import { resolve } from 'node:path'

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]
export type AppEnv = 'development' | 'production'
export type AuthMode = 'zoom' | 'dev'

export interface ZoomCredentials {
  clientId: string
  clientSecret: string
}

export interface ZoomS2SCredentials {
  /** The Zoom account the app belongs to (the token's `account_id`). */
  accountId: string
  clientId: string
  clientSecret: string
}

export class ConfigError extends Error {
  readonly variable: string
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`)
    this.name = 'ConfigError'
    this.variable = variable
  }
}

type Env = Readonly<Record<string, string | undefined>>

function read(env: Env, name: string): string | undefined {
  const v = env[name]?.trim()
  return v === undefined || v === '' ? undefined : v
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name)
  if (raw === undefined) return fallback
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max} (got ${JSON.stringify(raw.slice(0, 40))})`)
  }
  return Number(raw)
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name)?.toLowerCase()
  if (raw === undefined) return fallback
  if (['true', '1', 'yes', 'on'].includes(raw)) return true
  if (['false', '0', 'no', 'off'].includes(raw)) return false
  throw new ConfigError(name, `must be true or false (got ${JSON.stringify(raw.slice(0, 40))})`)
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const raw = read(env, name)
  if (raw === undefined) return fallback
  if (!(values as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${values.join(', ')} (got ${JSON.stringify(raw.slice(0, 40))})`)
  }
  return raw as T
}

function list(env: Env, name: string): string[] {
  return (read(env, name) ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')
}

function httpUrl(name: string, raw: string): URL {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError(name, `must be an absolute http(s) URL (got ${JSON.stringify(raw.slice(0, 80))})`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `must be an http:// or https:// URL (got ${JSON.stringify(url.protocol)})`)
  }
  return url
}

function stripSlash(s: string): string {
  return s.replace(/\/+$/, '')
}

function databaseUrl(env: Env): string | undefined {
  const raw = read(env, 'DATABASE_URL')
  if (raw === undefined) return undefined
  // Never echo the value: it usually carries a password.
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError('DATABASE_URL', 'must be a URL like postgres://user:password@host:5432/database')
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError('DATABASE_URL', `must start with postgres:// or postgresql:// (got ${url.protocol}//)`)
  }
  if (url.hostname === '' && !url.searchParams.has('host')) {
    throw new ConfigError('DATABASE_URL', 'must name a host, like postgres://user:password@host:5432/database')
  }
  return raw
}

function s2sCredentials(env: Env): ZoomS2SCredentials | undefined {
  const names = ['ZOOM_S2S_ACCOUNT_ID', 'ZOOM_S2S_CLIENT_ID', 'ZOOM_S2S_CLIENT_SECRET'] as const
  const values = names.map((n) => read(env, n))
  if (values.every((v) => v === undefined)) return undefined
  const missing = names.filter((_, i) => values[i] === undefined)
  if (missing.length > 0) throw new ConfigError(missing[0]!, `is required when any of ${names.join(', ')} is set (all three come from the Server-to-Server OAuth app's App Credentials)`)
  return { accountId: values[0]!, clientId: values[1]!, clientSecret: values[2]! }
}

function credentials(env: Env, idVar: string, secretVar: string): ZoomCredentials | undefined {
  const clientId = read(env, idVar)
  const clientSecret = read(env, secretVar)
  if (clientId === undefined && clientSecret === undefined) return undefined
  if (clientId === undefined) throw new ConfigError(idVar, `is required when ${secretVar} is set`)
  if (clientSecret === undefined) throw new ConfigError(secretVar, `is required when ${idVar} is set`)
  return { clientId, clientSecret }
}


/** A setting read from one environment variable: `Config`'s type and parsing of it come from here. */
export interface Setting<T> {
  readonly variable: string
  /** The default as the docs write it (in backquotes), or null when it is not a plain value. */
  readonly shown: string | null
  parse(env: Env): T
}

function integer(variable: string, fallback: number, min: number, max: number): Setting<number> {
  return { variable, shown: String(fallback), parse: (env) => int(env, variable, fallback, min, max) }
}

function flag(variable: string, fallback: boolean): Setting<boolean> {
  return { variable, shown: String(fallback), parse: (env) => bool(env, variable, fallback) }
}

function choice<T extends string>(variable: string, values: readonly T[], fallback: T): Setting<T> {
  return { variable, shown: fallback, parse: (env) => oneOf(env, variable, values, fallback) }
}

function text(variable: string, fallback: string): Setting<string> {
  return { variable, shown: fallback, parse: (env) => read(env, variable) ?? fallback }
}

/** An optional string; `minLength` for secrets and tokens, `pattern` (with what it means) for ids. */
function optional(variable: string, check: { minLength?: number; pattern?: RegExp; means?: string } = {}): Setting<string | undefined> {
  return {
    variable, shown: null,
    parse(env) {
      const v = read(env, variable)
      if (v === undefined) return undefined
      if (check.minLength !== undefined && v.length < check.minLength) {
        throw new ConfigError(variable, `must be at least ${check.minLength} characters (got ${v.length})`)
      }
      if (check.pattern && !check.pattern.test(v)) throw new ConfigError(variable, `must be ${check.means ?? `like ${check.pattern.source}`}`)
      return v
    },
  }
}

/** A comma-separated list. */
function commaList(variable: string): Setting<string[]> {
  return { variable, shown: null, parse: (env) => list(env, variable) }
}

/**
 * The settings read from one variable each, grouped as `Config` groups them. Add a setting here
 * (and to the README's table and .env.example); its type follows.
 */
export const SETTINGS = {
  port: integer('PORT', 3000, 0, 65535),
  host: text('HOST', '0.0.0.0'),
  appEnv: choice<AppEnv>('APP_ENV', ['development', 'production'], 'development'),
  /** Postgres URL; undefined means embedded PGlite under `dataDir`. */
  databaseUrl: { variable: 'DATABASE_URL', shown: null, parse: databaseUrl } satisfies Setting<string | undefined>,
  /** Absolute path. */
  dataDir: { variable: 'DATA_DIR', shown: './.data', parse: (env: Env) => resolve(read(env, 'DATA_DIR') ?? './.data') } satisfies Setting<string>,
  logLevel: choice<LogLevel>('LOG_LEVEL', LOG_LEVELS, 'info'),
  /**
   * HMAC key for our sessions. Undefined only in development when SESSION_SECRET is unset:
   * the process entry then generates one into DATA_DIR (`ensureSessionSecret`).
   */
  sessionSecret: optional('SESSION_SECRET', { minLength: 32 }),
  /** Key for OAuth tokens at rest; undefined means derive it from the session secret. */
  tokenEncryptionKey: optional('TOKEN_ENCRYPTION_KEY', { minLength: 32 }),
  zoom: {
    /**
     * ZOOM_ACCOUNT_ID: single-tenant, every verified Zoom user belongs to this account. Unset:
     * multi-tenant, each Zoom user's account is bound through in-client OAuth (`/v2/users/me`).
     */
    accountId: optional('ZOOM_ACCOUNT_ID', { pattern: /^[A-Za-z0-9_-]{1,128}$/, means: 'a Zoom account id (letters, digits, - and _; see docs/zoom-setup.md)' }),
    oauthScopes: commaList('ZOOM_OAUTH_SCOPES'),
    /**
     * Secret Token of the app whose event subscriptions post to `/api/zoom/webhooks`
     * (ZOOM_WEBHOOK_SECRET_TOKEN). Undefined: in development with dev sign-in the process entry
     * generates one into DATA_DIR (`ensureWebhookSecret`) so the emulator can sign; otherwise
     * the receiver answers 404 WEBHOOKS_DISABLED.
     */
    webhookSecretToken: optional('ZOOM_WEBHOOK_SECRET_TOKEN'),
    /** Period of the safety-net backfill while the server runs (ZOOM_SYNC_INTERVAL_MS; 0 = only at start and after an outage). */
    syncIntervalMs: integer('ZOOM_SYNC_INTERVAL_MS', 900_000, 0, 86_400_000),
  },
  bootstrapSupervisors: commaList('BOOTSTRAP_SUPERVISORS'),
  bootstrapAdmins: commaList('BOOTSTRAP_ADMINS'),
  ws: {
    maxFrameBytes: integer('WS_MAX_FRAME_BYTES', 65536, 1024, 16 * 1024 * 1024),
    opsPerSecond: integer('WS_OPS_PER_SECOND', 50, 1, 100_000),
    opsBurst: integer('WS_OPS_BURST', 200, 1, 1_000_000),
    sendBufferBytes: integer('WS_SEND_BUFFER_BYTES', 1048576, 1024, 1024 * 1024 * 1024),
    heartbeatMs: integer('WS_HEARTBEAT_MS', 20000, 100, 600_000),
    /** Open sockets one user may hold on one node; more are refused (429 TOO_MANY_CONNECTIONS). */
    maxSocketsPerUser: integer('WS_MAX_SOCKETS_PER_USER', 16, 1, 100_000),
  },
  /** REST requests per minute: per signed-in user and per client address (route classes scale these). */
  rateLimit: {
    userPerMinute: integer('RATE_LIMIT_USER_PER_MINUTE', 600, 1, 10_000_000),
    ipPerMinute: integer('RATE_LIMIT_IP_PER_MINUTE', 6000, 1, 10_000_000),
  },
  boardTickMs: integer('BOARD_TICK_MS', 250, 1, 60_000),
  groupCommitMs: integer('GROUP_COMMIT_MS', 2, 0, 1000),
  nodeId: { variable: 'NODE_ID', shown: null, parse: (env: Env) => read(env, 'NODE_ID') ?? `${hostname()}-${process.pid}` } satisfies Setting<string>,
  shutdownTimeoutMs: integer('SHUTDOWN_TIMEOUT_MS', 4000, 0, 600_000),
  trustProxy: flag('TRUST_PROXY', false),
  /** When set, `/metrics` answers only `Authorization: Bearer <metricsToken>`. */
  metricsToken: optional('METRICS_TOKEN', { minLength: 16 }),
  /** Days an engagement (log, notes, search entry) is kept after it ended or went quiet; an account's admin may set its own. */
  notesRetentionDays: integer('NOTES_RETENTION_DAYS', 365, 1, 36_500),
}

/** The values a table of settings parses to. */
export type SettingValues<S> = S extends Setting<infer T> ? T : { -readonly [K in keyof S]: SettingValues<S[K]> }
type Settings = SettingValues<typeof SETTINGS>

function isSetting(x: unknown): x is Setting<unknown> {
  return typeof x === 'object' && x !== null && 'variable' in x && 'parse' in x
}

/** Parses every setting of `table` (recursively through its groups). */
function parseSettings<S extends object>(table: S, env: Env): SettingValues<S> {
  const out: Record<string, unknown> = {}
  for (const [name, entry] of Object.entries(table)) out[name] = isSetting(entry) ? entry.parse(env) : parseSettings(entry as object, env)
  return out as SettingValues<S>
}

/** Every setting of the table, flat: for docs checks. */
export function allSettings(table: object = SETTINGS): Setting<unknown>[] {
  return Object.values(table).flatMap((entry) => (isSetting(entry) ? [entry] : allSettings(entry as object)))
}

/** What depends on several variables, derived in `loadConfig` from the settings. */
interface Derived {
  /** External base URL without a trailing slash, e.g. `https://switchboard.example.com` (PUBLIC_URL). */
  publicUrl: string
  /** Origin of `publicUrl`, e.g. `https://switchboard.example.com`. */
  publicOrigin: string
  /** WebSocket origin matching `publicUrl`: `wss://…` for https, `ws://…` for http. */
  wsOrigin: string
  /** AUTH_MODE: default `zoom` when a Zoom client secret is set, else `dev`. */
  authMode: AuthMode
  /** Dev sign-in (and the emulator page) is available: `authMode === 'dev'`, never in production. */
  devSignIn: boolean
  /** Origins allowed to open `/ws`: always includes `publicOrigin` (and ALLOWED_ORIGINS). */
  allowedOrigins: string[]
  zoom: {
    /** Production credentials (ZOOM_CLIENT_ID / ZOOM_CLIENT_SECRET). */
    production: ZoomCredentials | undefined
    /** Development credentials (ZOOM_DEV_CLIENT_ID / ZOOM_DEV_CLIENT_SECRET). */
    development: ZoomCredentials | undefined
    /** In-client OAuth (ZOOM_OAUTH_ENABLED): always on in multi-tenant mode (it is how accounts are bound). */
    oauthEnabled: boolean
    /** ZOOM_OAUTH_HOST; in dev mode the stand-in under `$PUBLIC_URL/dev/zoom`. */
    oauthHost: string
    /** ZOOM_API_HOST; in dev mode the stand-in under `$PUBLIC_URL/dev/zoom`. */
    apiHost: string
    /** The webhook token was generated for development (the emulator may have it), not set by an operator. */
    webhookSecretGenerated?: boolean
    /** Server-to-Server OAuth app (ZOOM_S2S_*): the REST client and backfill; undefined = off. */
    s2s: ZoomS2SCredentials | undefined
  }
}

/** The whole configuration: the table's settings and what is derived from them. */
export interface Config extends Omit<Settings, 'zoom'>, Omit<Derived, 'zoom'> {
  zoom: Settings['zoom'] & Derived['zoom']
}

export function loadConfig(env: Env): Config {
  const settings = parseSettings(SETTINGS, env)
  const { port, appEnv, sessionSecret } = settings
  const publicURL = httpUrl('PUBLIC_URL', read(env, 'PUBLIC_URL') ?? `http://localhost:${port}`)
  const publicOrigin = publicURL.origin
  const wsOrigin = `${publicURL.protocol === 'https:' ? 'wss:' : 'ws:'}//${publicURL.host}`
  const production = credentials(env, 'ZOOM_CLIENT_ID', 'ZOOM_CLIENT_SECRET')
  const development = credentials(env, 'ZOOM_DEV_CLIENT_ID', 'ZOOM_DEV_CLIENT_SECRET')
  const hasZoomSecret = production !== undefined || development !== undefined
  const authMode = oneOf<AuthMode>(env, 'AUTH_MODE', ['zoom', 'dev'], hasZoomSecret ? 'zoom' : 'dev')
  if (authMode === 'dev' && appEnv === 'production') {
    throw new ConfigError('AUTH_MODE', 'dev sign-in is not allowed when APP_ENV=production; set ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET')
  }
  if (authMode === 'dev' && hasZoomSecret) {
    throw new ConfigError('AUTH_MODE', 'dev sign-in is only available when no Zoom client secret is configured')
  }
  if (authMode === 'zoom' && !hasZoomSecret) {
    throw new ConfigError('ZOOM_CLIENT_SECRET', 'AUTH_MODE=zoom needs ZOOM_CLIENT_ID/ZOOM_CLIENT_SECRET or ZOOM_DEV_CLIENT_ID/ZOOM_DEV_CLIENT_SECRET')
  }
  if (sessionSecret === undefined && appEnv === 'production') {
    throw new ConfigError('SESSION_SECRET', 'is required when APP_ENV=production (at least 32 characters)')
  }

  const { accountId } = settings.zoom
  // Multi-tenant deployments bind every Zoom user to an account through in-client OAuth, so it
  // cannot be off there; in dev mode it runs against the built-in Zoom stand-in (/dev/zoom).
  const oauthEnabled = bool(env, 'ZOOM_OAUTH_ENABLED', authMode === 'dev' || accountId === undefined)
  if (!oauthEnabled && authMode === 'zoom' && accountId === undefined) {
    throw new ConfigError('ZOOM_OAUTH_ENABLED', 'cannot be off while ZOOM_ACCOUNT_ID is unset: a multi-tenant deployment binds each Zoom user to their account through in-client OAuth (set ZOOM_ACCOUNT_ID to serve a single account)')
  }
  const s2s = s2sCredentials(env)
  if (s2s && accountId !== undefined && s2s.accountId !== accountId) {
    throw new ConfigError('ZOOM_S2S_ACCOUNT_ID', 'must name the same Zoom account as ZOOM_ACCOUNT_ID: a single-tenant deployment serves that one account')
  }
  // Dev sign-in mode has no Zoom credentials: OAuth goes to the development stand-in this server
  // serves under /dev/zoom (src/auth/dev-zoom.ts).
  const standIn = `${stripSlash(publicURL.href)}/dev/zoom`
  const oauthHost = stripSlash(httpUrl('ZOOM_OAUTH_HOST', read(env, 'ZOOM_OAUTH_HOST') ?? (authMode === 'dev' ? standIn : 'https://zoom.us')).href)
  const apiHost = stripSlash(httpUrl('ZOOM_API_HOST', read(env, 'ZOOM_API_HOST') ?? (authMode === 'dev' ? standIn : 'https://api.zoom.us')).href)

  const allowedOrigins = [publicOrigin]
  for (const raw of list(env, 'ALLOWED_ORIGINS')) {
    const origin = httpUrl('ALLOWED_ORIGINS', raw).origin
    if (stripSlash(raw) !== origin) {
      throw new ConfigError('ALLOWED_ORIGINS', `entries must be bare origins like https://example.com (got ${JSON.stringify(raw.slice(0, 80))})`)
    }
    if (!allowedOrigins.includes(origin)) allowedOrigins.push(origin)
  }

  return {
    ...settings,
    publicUrl: stripSlash(publicURL.href),
    publicOrigin,
    wsOrigin,
    authMode,
    devSignIn: authMode === 'dev',
    allowedOrigins,
    zoom: { ...settings.zoom, production, development, oauthEnabled, oauthHost, apiHost, s2s },
  }
}

/** Variables read outside the table (they depend on other settings); the docs name them too. */
export const DERIVED_VARIABLES = [
  'PUBLIC_URL', 'AUTH_MODE', 'ZOOM_CLIENT_ID', 'ZOOM_CLIENT_SECRET', 'ZOOM_DEV_CLIENT_ID', 'ZOOM_DEV_CLIENT_SECRET',
  'ZOOM_OAUTH_ENABLED', 'ZOOM_OAUTH_HOST', 'ZOOM_API_HOST', 'ZOOM_S2S_ACCOUNT_ID', 'ZOOM_S2S_CLIENT_ID', 'ZOOM_S2S_CLIENT_SECRET',
  'ALLOWED_ORIGINS',
] as const
