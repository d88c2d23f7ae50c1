/**
 * Zoom SDK failures mapped to a small set of kinds. The SDK's error class is not exported, so we
 * read `.code` (10242, 10243, ...) and, for errors the SDK raises itself, the message it uses.
 */
export const ZOOM_ERROR_CODES = {
  CLIENT_ERROR: 10001,
  NOT_IN_CONTACT_CENTER: 10242,
  NOT_IN_ENGAGEMENT: 10243,
} as const

export type ZoomErrorKind =
  | 'not-in-contact-center'
  | 'not-in-engagement'
  | 'timeout'
  | 'unsupported-browser'
  | 'not-configured'
  | 'unsupported-api'
  | 'zoom'

export class ZoomError extends Error {
  readonly kind: ZoomErrorKind
  /** Zoom's numeric error code when the client sent one. */
  readonly code: number | null
  /** The SDK call that failed. */
  readonly api: string

  constructor(kind: ZoomErrorKind, api: string, message: string, code: number | null = null) {
    super(message)
    this.name = 'ZoomError'
    this.kind = kind
    this.code = code
    this.api = api
  }
}

function readCode(error: unknown): number | null {
  if (typeof error !== 'object' || error === null || !('code' in error)) return null
  const n = Number((error as { code: unknown }).code)
  return Number.isFinite(n) ? n : null
}

export function toZoomError(api: string, error: unknown): ZoomError {
  if (error instanceof ZoomError) return error
  const message = error instanceof Error ? error.message : String(error)
  const code = readCode(error)
  if (code === ZOOM_ERROR_CODES.NOT_IN_CONTACT_CENTER) return new ZoomError('not-in-contact-center', api, message, code)
  if (code === ZOOM_ERROR_CODES.NOT_IN_ENGAGEMENT) return new ZoomError('not-in-engagement', api, message, code)
  if (code !== null) return new ZoomError('zoom', api, message, code)
  // Errors the SDK raises before or instead of talking to the client (no code).
  if (/took longer than/i.test(message)) return new ZoomError('timeout', api, message)
  if (/not supported by this browser/i.test(message)) return new ZoomError('unsupported-browser', api, message)
  if (/must call zoomSdk\.config/i.test(message)) return new ZoomError('not-configured', api, message)
  return new ZoomError('zoom', api, message)
}

export function isZoomError(error: unknown, kind?: ZoomErrorKind): error is ZoomError {
  return error instanceof ZoomError && (kind === undefined || error.kind === kind)
}
