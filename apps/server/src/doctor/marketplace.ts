/**
 * The values an operator types into the Zoom Marketplace for this deployment (docs/zoom-setup.md
 * walks through where each goes). Pure: derived from the configuration only.
 */
import {
  ZOOM_OAUTH_APIS, ZOOM_OAUTH_EVENTS, ZOOM_SDK_APIS, ZOOM_SDK_EVENTS,
} from '@switchboard/protocol/zoom-capabilities'
import { ZOOM_SUBSCRIBED_EVENTS, ZOOM_WEBHOOK_PATH } from '@switchboard/protocol/zoom-webhooks'
import type { Config } from '../config.ts'
import { APP_ICONS, S2S_SCOPES } from '../zoom/scopes.ts'

export interface MarketplaceValues {
  /** `single`: ZOOM_ACCOUNT_ID; `multi`: each Zoom user's account is bound through in-client OAuth. */
  tenancy: 'single' | 'multi'
  homeUrl: string
  domainAllowList: string[]
  oauthRedirectUrl: string
  oauthAllowList: string[]
  sdkApis: string[]
  sdkEvents: string[]
  scopes: string[]
  /** The second app (Server-to-Server OAuth): Event notification endpoint URL, events, scopes. */
  webhookEndpointUrl: string
  webhookEvents: string[]
  s2sScopes: string[]
  /** The App Listing icon files (repository paths): 160 × 160 px, light and dark mode. */
  appIcons: { light: string; dark: string }
  /** Things the operator should know about these values. */
  notes: string[]
}

export type MarketplaceConfig = Pick<Config, 'publicUrl' | 'allowedOrigins'> & {
  zoom: Pick<Config['zoom'], 'oauthEnabled' | 'oauthScopes' | 'production' | 'development' | 'accountId'> & Partial<Pick<Config['zoom'], 'webhookSecretToken' | 's2s'>>
}

/** In-client OAuth identifies the user with `GET /v2/users/me`, which needs this scope. */
export const IDENTITY_SCOPE = 'user:read:user'

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
  const scopes = oauth ? [...new Set([IDENTITY_SCOPE, ...config.zoom.oauthScopes])] : []
  const tenancy = config.zoom.accountId === undefined ? 'multi' : 'single'
  notes.push(tenancy === 'multi'
    ? 'Multi-tenant (ZOOM_ACCOUNT_ID unset): each Zoom user connects their account once through in-client OAuth (authorize/onAuthorized and the user:read:user scope are required).'
    : 'Single-tenant (ZOOM_ACCOUNT_ID set): every Zoom user who opens the app belongs to that one account. Publish the app to that account only.')
  if (config.zoom.s2s === undefined) {
    notes.push('The Server-to-Server OAuth app is not configured (ZOOM_S2S_ACCOUNT_ID, ZOOM_S2S_CLIENT_ID, ZOOM_S2S_CLIENT_SECRET): no REST backfill of agents, queues, dispositions and missed engagements.')
  }
  if (config.zoom.webhookSecretToken === undefined) {
    notes.push('ZOOM_WEBHOOK_SECRET_TOKEN is not set: the event notification endpoint answers 404 until it is (copy the Secret Token from the app\'s Feature page).')
  }
  const extraHosts = config.allowedOrigins.map((o) => new URL(o).host).filter((h) => h !== base.host)
  return {
    tenancy,
    // No {accountId} template: Home URL values are unsigned query data and are never trusted.
    homeUrl: `${root}/`,
    domainAllowList: [base.host, ...extraHosts],
    oauthRedirectUrl: `${root}/`,
    oauthAllowList: [base.origin],
    sdkApis: [...ZOOM_SDK_APIS, ...(oauth ? ZOOM_OAUTH_APIS : [])],
    sdkEvents: [...ZOOM_SDK_EVENTS, ...(oauth ? ZOOM_OAUTH_EVENTS : [])],
    scopes,
    webhookEndpointUrl: `${root}${ZOOM_WEBHOOK_PATH}`,
    webhookEvents: [...ZOOM_SUBSCRIBED_EVENTS],
    s2sScopes: S2S_SCOPES.map((s) => s.scope),
    appIcons: { light: APP_ICONS.light, dark: APP_ICONS.dark },
    notes,
  }
}

export function formatMarketplaceValues(v: MarketplaceValues): string {
  const lines = [
    'Zoom Marketplace values for this deployment',
    '',
    `  Tenancy:                                          ${v.tenancy === 'single' ? 'single account (ZOOM_ACCOUNT_ID)' : 'multi-tenant (accounts bound through in-client OAuth)'}`,
    `  Home URL (Features > Surface > Contact Center):  ${v.homeUrl}`,
    `  Domain Allow List:                                ${v.domainAllowList.join(', ')}`,
    `  OAuth Redirect URL (Basic Information):           ${v.oauthRedirectUrl}`,
    `  OAuth Allow List:                                 ${v.oauthAllowList.join(', ')}`,
    `  Zoom App SDK APIs to add:                         ${v.sdkApis.join(', ')}`,
    `  Zoom App SDK events to add:                       ${v.sdkEvents.join(', ')}`,
    `  Scopes:                                           ${v.scopes.length > 0 ? v.scopes.join(', ') : 'none (in-client OAuth is off)'}`,
    `  App icon (App Listing, 160 x 160):                ${v.appIcons.light} (light mode), ${v.appIcons.dark} (dark mode)`,
    '',
    'Server-to-Server OAuth app (webhooks and REST; docs/zoom-setup.md, "The second app")',
    '',
    `  Event notification endpoint URL (Feature):       ${v.webhookEndpointUrl}`,
    `  Events to subscribe to (Contact Center):         ${v.webhookEvents.join(',\n                                                    ')}`,
    `  Scopes:                                           ${v.s2sScopes.join(',\n                                                    ')}`,
  ]
  if (v.notes.length > 0) lines.push('', ...v.notes.map((n) => `  note: ${n}`))
  return lines.join('\n') + '\n'
}
