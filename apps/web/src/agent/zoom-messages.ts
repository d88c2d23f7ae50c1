import type { ZoomError } from './zoom/errors.ts'

/** What to tell the agent when Zoom cannot give us what we need, with what to do about it. */
export function zoomErrorMessage(e: ZoomError): string {
  switch (e.kind) {
    case 'not-in-contact-center':
      return 'Switchboard works in the Contact Center panel of the Zoom client. Open it from there.'
    case 'timeout':
      return 'Zoom did not answer in time. Close and reopen Switchboard in Zoom; your notes are saved.'
    case 'unsupported-api':
      return e.message
    case 'unsupported-browser':
      return 'This page is not running inside the Zoom client.'
    case 'not-configured':
      return 'Switchboard could not start its connection to Zoom. Reload the app.'
    case 'not-in-engagement':
      return 'You are not in an engagement right now.'
    default:
      return `Zoom reported a problem: ${e.message}${e.code != null ? ` (code ${e.code})` : ''}.`
  }
}
