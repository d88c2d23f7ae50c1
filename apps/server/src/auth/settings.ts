/**
 * What the auth module needs from the process configuration, derived once when the plugin loads.
 */
import { hkdfSync } from 'node:crypto'
import type { Role } from '@switchboard/protocol'
import type { Config } from '../config.ts'
import type { ZoomHosts } from './oauth-client.ts'
import { deriveTokenKey, zoomAccountKey } from './token-crypto.ts'
import type { CredentialKind, ZoomCredential } from './zoom-context.ts'

/** The session cookie lives this long; re-opening the app or `POST /api/session` renews it. */
export const SESSION_TTL_MS = 8 * 60 * 60_000
/** WebSocket tokens only need to survive until the upgrade; clients fetch a fresh one per connect. */
export const WS_TOKEN_TTL_MS = 10 * 60_000
/** The Client ID of the development credential the Zoom client emulator signs contexts with. */
export const EMULATOR_CLIENT_ID = 'switchboard-emulator'

/**
 * Which Zoom account a verified Zoom user belongs to (docs/zoom-setup.md, "Tenancy"):
 * - `single` (ZOOM_ACCOUNT_ID set): everyone, always;
 * - `multi`: the account `GET /v2/users/me` named after in-client OAuth, bound once per Zoom user.
 */
export type Tenancy =
  | { mode: 'single'; zoomAccountId: string; accountId: string }
  | { mode: 'multi' }

export interface AuthSettings {
  sessionSecret: string
  /** Zoom credential pairs that may verify an app context: production first. */
  credentials: ZoomCredential[]
  devSignIn: boolean
  /**
   * Dev sign-in mode only: the development credential the Zoom client emulator's contexts are
   * made with (Client ID `switchboard-emulator`, secret derived from SESSION_SECRET, so every node
   * of a cluster agrees). Also in `credentials`. Null otherwise.
   */
  emulator: ZoomCredential | null
  tenancy: Tenancy
  publicOrigin: string
  bootstrapAdmins: ReadonlySet<string>
  bootstrapSupervisors: ReadonlySet<string>
  oauth: {
    enabled: boolean
    scopes: string[]
    hosts: ZoomHosts
  }
  tokenKey: Buffer
  sessionTtlMs: number
  wsTokenTtlMs: number
}

export function emulatorCredential(sessionSecret: string): ZoomCredential {
  const secret = Buffer.from(hkdfSync('sha256', sessionSecret, 'switchboard', 'zoom emulator client secret', 32)).toString('base64url')
  return { clientId: EMULATOR_CLIENT_ID, clientSecret: secret, kind: 'development' }
}

export function authSettings(config: Config): AuthSettings {
  if (!config.sessionSecret) throw new Error('auth: SESSION_SECRET is not set (the process entry must generate one in development)')
  const credentials: ZoomCredential[] = []
  if (config.zoom.production) credentials.push({ ...config.zoom.production, kind: 'production' })
  if (config.zoom.development) credentials.push({ ...config.zoom.development, kind: 'development' })
  // Belt and braces over loadConfig's own checks: never with a secret, never in production.
  const devSignIn = config.devSignIn && config.authMode === 'dev' && credentials.length === 0 && config.appEnv !== 'production'
  const emulator = devSignIn ? emulatorCredential(config.sessionSecret) : null
  if (emulator) credentials.push(emulator)
  const zoomAccountId = config.zoom.accountId
  return {
    sessionSecret: config.sessionSecret,
    credentials,
    devSignIn,
    emulator,
    tenancy: zoomAccountId === undefined
      ? { mode: 'multi' }
      : { mode: 'single', zoomAccountId, accountId: accountRowId(devSignIn, zoomAccountId) },
    publicOrigin: config.publicOrigin,
    bootstrapAdmins: new Set(config.bootstrapAdmins),
    bootstrapSupervisors: new Set(config.bootstrapSupervisors),
    oauth: {
      enabled: config.zoom.oauthEnabled && credentials.length > 0,
      scopes: config.zoom.oauthScopes,
      hosts: { oauthHost: config.zoom.oauthHost, apiHost: config.zoom.apiHost },
    },
    tokenKey: deriveTokenKey(config.tokenEncryptionKey, config.sessionSecret),
    sessionTtlMs: SESSION_TTL_MS,
    wsTokenTtlMs: WS_TOKEN_TTL_MS,
  }
}

/**
 * The `accounts` row of a Zoom account id: its pseudonym (`za_…`, never the id itself). In dev
 * sign-in mode the emulator's made-up account ids are used as given, like dev sign-in's, so an
 * emulated agent and a dev-signed-in supervisor of `acct-demo` share one account.
 */
export function accountRowId(devSignIn: boolean, zoomAccountId: string): string {
  return devSignIn ? zoomAccountId : zoomAccountKey(zoomAccountId)
}

export function credentialsOf(settings: AuthSettings, kind: CredentialKind): ZoomCredential | undefined {
  return settings.credentials.find((c) => c.kind === kind)
}

/** The role a Zoom user is raised to on sign-in by the bootstrap lists, if any. */
export function bootstrapRole(settings: AuthSettings, zoomUserId: string): Role | undefined {
  if (settings.bootstrapAdmins.has(zoomUserId)) return 'admin'
  if (settings.bootstrapSupervisors.has(zoomUserId)) return 'supervisor'
  return undefined
}
