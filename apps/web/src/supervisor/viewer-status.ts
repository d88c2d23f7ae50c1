/**
 * The status line of the supervisor dashboard, a page that mostly watches: it says whether what
 * is shown is live, not whether typing was saved (the agent's wording, lib/status-text.ts).
 * Passed to `ConnectionStatus` as `describe`.
 */
import { changes, type StatusInput, type StatusText } from '../lib/status-text.ts'

export function viewerStatusText({ status, pending, savingDelayed, fatal }: StatusInput): StatusText {
  const unsent = pending > 0 ? ` · ${changes(pending)}` : ''
  if (fatal) return { label: `Disconnected${unsent}`, detail: fatal, tone: 'error' }
  switch (status) {
    case 'offline':
      return { label: `Offline${unsent}`, detail: 'Showing the last known state; it updates when the network returns.', tone: 'warn' }
    case 'reconnecting':
      return { label: `Reconnecting…${unsent}`, detail: 'What is shown may be out of date until the connection returns.', tone: 'warn' }
    case 'connecting':
      return { label: 'Connecting…', detail: '', tone: 'busy' }
    case 'connected':
      if (savingDelayed) {
        return { label: 'Live · saving delayed', detail: 'The server cannot reach its database. Whispers and settings are kept and retried.', tone: 'warn' }
      }
      return pending > 0 ? { label: 'Live · sending…', detail: '', tone: 'busy' } : { label: 'Live', detail: '', tone: 'ok' }
  }
}
