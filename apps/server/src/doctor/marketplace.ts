/**
 * The values an operator types into the Zoom Marketplace for this deployment (docs/zoom-setup.md
 * walks through where each goes). Pure: derived from the configuration only.
 */
import {
  ZOOM_OAUTH_APIS, ZOOM_OAUTH_EVENTS, ZOOM_SDK_APIS, ZOOM_SDK_EVENTS,
} from '@switchboard/protocol/zoom-capabilities'
import type { Config } from '../config.ts'

export interface MarketplaceValues {
  homeUrl: string
  domainAllowList: string[]
  oauthRedirectUrl: string
  oauthAllowList: string[]
  sdkApis: string[]
  sdkEvents: string[]
  scopes: string[]
  /** Things the operator should know about these values. */
  notes: string[]
}

export type MarketplaceConfig = Pick<Config, 'publicUrl' | 'allowedOrigins'> & {
  zoom: Pick<Config['zoom'], 'oauthEnabled' | 'oauthScopes' | 'production' | 'development'>
}

export function marketplaceValues(config: MarketplaceConfig): MarketplaceValues {
  const base = new URL(config.publicUrl)
  const root = `${base.origin}${base.pathname.replace(/\/+$/, '')}`
  const oauth = config.zoom.oauthEnabled
  const notes: string[] = []
  if (base.protocol !== 'https:') {
    notes.push(`PUBLIC_URL is ${base.origin}: Zoom only loads https URLs. Put the server behind TLS (a reverse proxy or an HTTPS tunnel) and set PUBLIC_URL to that https URL.`)
  }
  if (!config.zoom.production && !config.zoom.development) {
    notes.push('No Zoom credentials are configured: copy the Client ID and Client Secret from the app\'s Basic Information page into ZOOM_DEV_CLIENT_ID/ZOOM_DEV_CLIENT_SECRET (development) or ZOOM_CLIENT_ID/ZOOM_CLIENT_SECRET (production).')
  }
  const scopes = oauth ? [...config.zoom.oauthScopes] : []
  if (oauth && !scopes.some((s) => s.startsWith('user:read'))) {
    notes.push('OAuth is on: add the user:read:user scope (the server calls /v2/users/me to identify who authorized).')
  }
  const extraHosts = config.allowedOrigins.map((o) => new URL(o).host).filter((h) => h !== base.host)
  return {
    homeUrl: `${root}/?accountId={accountId}`,
    domainAllowList: [base.host, ...extraHosts],
    oauthRedirectUrl: `${root}/`,
    oauthAllowList: [base.origin],
    sdkApis: [...ZOOM_SDK_APIS, ...(oauth ? ZOOM_OAUTH_APIS : [])],
    sdkEvents: [...ZOOM_SDK_EVENTS, ...(oauth ? ZOOM_OAUTH_EVENTS : [])],
    scopes,
    notes,
  }
}

export function formatMarketplaceValues(v: MarketplaceValues): string {
  const lines = [
    'Zoom Marketplace values for this deployment',
    '',
    `  Home URL (Features > Surface > Contact Center):  ${v.homeUrl}`,
    `  Domain Allow List:                                ${v.domainAllowList.join(', ')}`,
    `  OAuth Redirect URL (Basic Information):           ${v.oauthRedirectUrl}`,
    `  OAuth Allow List:                                 ${v.oauthAllowList.join(', ')}`,
    `  Zoom App SDK APIs to add:                         ${v.sdkApis.join(', ')}`,
    `  Zoom App SDK events to add:                       ${v.sdkEvents.join(', ')}`,
    `  Scopes:                                           ${v.scopes.length > 0 ? v.scopes.join(', ') : 'none (ZOOM_OAUTH_ENABLED is off)'}`,
  ]
  if (v.notes.length > 0) lines.push('', ...v.notes.map((n) => `  note: ${n}`))
  return lines.join('\n') + '\n'
}
