/**
 * Where the agent page runs, decided before talking to the SDK:
 * - `zoom`: the Zoom client's embedded browser (its user agent has `ZoomApps/`, or a native bridge
 *   object the SDK would use is present);
 * - `emulator`: an iframe inside our own `simulator.html` (same origin, marked by the emulator);
 * - `browser`: a plain tab, where `config()` would reject at once.
 * An iframe under any other parent counts as `zoom`: the SDK talks to the parent, and if nobody
 * answers the launch times out with a clear error.
 */
import type { HostInfo } from './types.ts'

interface NativeWindowHints {
  android?: unknown
  chrome?: { webview?: unknown }
  webkit?: { messageHandlers?: { jsOCHelper?: unknown } }
}

/** Set by the emulator page on its own window so the framed app can tell it from Zoom. */
export const EMULATOR_MARKER = '__switchboardZoomEmulator'

function inIframe(win: Window): boolean {
  try {
    return win.self !== win.top
  } catch {
    return true
  }
}

function parentIsEmulator(win: Window): boolean {
  try {
    return Boolean((win.parent as unknown as Record<string, unknown>)[EMULATOR_MARKER])
  } catch {
    return false // cross-origin parent
  }
}

export function detectHost(win: Window = window): HostInfo {
  const ua = win.navigator?.userAgent ?? ''
  if (inIframe(win)) {
    if (parentIsEmulator(win)) return { kind: 'emulator', reason: 'framed by the Switchboard Zoom client emulator' }
    return { kind: 'zoom', reason: 'framed by a host that answers the Zoom Apps bridge' }
  }
  if (/ZoomApps\//.test(ua)) return { kind: 'zoom', reason: 'Zoom client user agent' }
  const hints = win as unknown as NativeWindowHints
  if (hints.android || hints.chrome?.webview || hints.webkit?.messageHandlers?.jsOCHelper) {
    return { kind: 'zoom', reason: 'Zoom client native bridge present' }
  }
  return { kind: 'browser', reason: 'a top-level browser tab: the Zoom Apps SDK cannot run here' }
}
