/**
 * Granular scopes the Server-to-Server OAuth app needs for the REST backfill, by the call that
 * needs each (Zoom's Contact Center API reference; classic equivalents in docs/zoom-setup.md).
 * Event subscriptions ask for their own scopes when added on the Marketplace page.
 */
export const S2S_SCOPES = [
  { scope: 'contact_center:read:list_users:admin', for: 'GET /contact_center/users (agents and their status)' },
  { scope: 'contact_center:read:list_queues:admin', for: 'GET /contact_center/queues (queue names)' },
  { scope: 'contact_center:read:list_dispositions:admin', for: 'GET /contact_center/dispositions (wrap-up choices)' },
  { scope: 'contact_center:read:list_engagements:admin', for: 'GET /contact_center/engagements (engagements missed while down)' },
] as const

/** Where the icon files are, relative to the repository root (App Listing → App icon, 160 × 160 px). */
export const APP_ICONS = {
  light: 'docs/brand/switchboard-icon-160.png',
  dark: 'docs/brand/switchboard-icon-dark-160.png',
  source: 'docs/brand/switchboard-icon.svg',
} as const
