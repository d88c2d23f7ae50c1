/**
 * What the auth module needs from the process configuration, derived once when the plugin loads.
 */
import type { Role } from '@switchboard/protocol'
import type { Config } from '../config.ts'
import type { ZoomHosts } from './oauth-client.ts'
import { deriveTokenKey } from './token-crypto.ts'
import type { CredentialKind, ZoomCredential } from './zoom-context.ts'

/** The session cookie lives this long; re-opening the app or `POST /api/session` renews it. */
export const SESSION_TTL_MS = 8 * 60 * 60_000
/** WebSocket tokens only need to survive until the upgrade; clients fetch a fresh one per connect. */
export const WS_TOKEN_TTL_MS = 10 * 60_000

export interface AuthSettings {
  sessionSecret: string
  /** Zoom credential pairs that may verify an app context: production first. */
  credentials: ZoomCredential[]
  devSignIn: boolean
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

export function authSettings(config: Config): AuthSettings {
  if (!config.sessionSecret) throw new Error('auth: SESSION_SECRET is not set (the process entry must generate one in development)')
  const credentials: ZoomCredential[] = []
  if (config.zoom.production) credentials.push({ ...config.zoom.production, kind: 'production' })
  if (config.zoom.development) credentials.push({ ...config.zoom.development, kind: 'development' })
  return {
    sessionSecret: config.sessionSecret,
    credentials,
    // Belt and braces over loadConfig's own checks: never with a secret, never in production.
    devSignIn: config.devSignIn && config.authMode === 'dev' && credentials.length === 0 && config.appEnv !== 'production',
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

export function credentialsOf(settings: AuthSettings, kind: CredentialKind): ZoomCredential | undefined {
  return settings.credentials.find((c) => c.kind === kind)
}

/** The role a Zoom user is raised to on sign-in by the bootstrap lists, if any. */
export function bootstrapRole(settings: AuthSettings, zoomUserId: string): Role | undefined {
  if (settings.bootstrapAdmins.has(zoomUserId)) return 'admin'
  if (settings.bootstrapSupervisors.has(zoomUserId)) return 'supervisor'
  return undefined
}
