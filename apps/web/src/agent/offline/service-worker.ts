/**
 * Registers the agent app's service worker (`/sw.js`, apps/web/sw/), which keeps the app's shell
 * so a reload without network still shows the app. Built pages only: the dev server has none.
 */
export function registerServiceWorker(): void {
  if (import.meta.env.DEV || typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((error: unknown) => {
    // Private mode, a webview without service workers: the app works, only not offline after a reload.
    console.warn('switchboard: the offline shell is not available', error)
  })
}
