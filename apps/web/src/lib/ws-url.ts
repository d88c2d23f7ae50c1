/** The `/ws` URL for this page's origin (wss on https), with an optional short-lived token. */
export function wsUrl(loc: { protocol: string; host: string }, token?: string | null): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:'
  const base = `${scheme}//${loc.host}/ws`
  return token ? `${base}?token=${encodeURIComponent(token)}` : base
}
