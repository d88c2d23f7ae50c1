/**
 * What the connection/saving status says, as a pure function of the connection state so it
 * can be tested without a browser. The wording is for people: it says whether their work is safe.
 */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline'

export interface StatusInput {
  status: ConnectionState
  /** Ops written locally but not yet acknowledged by the server. */
  pending: number
  /** The server said saving is delayed (database unreachable); cleared by `saving-resumed`. */
  savingDelayed: boolean
  /** A terminal problem (signed out, app too old); the connection will not retry by itself. */
  fatal?: string | null
  /** The device could not store changes: unsent ones are only in this page's memory. */
  storageFailed?: boolean
}

export const STORAGE_FAILED_MESSAGE = 'Changes could not be stored on this device. Keep this app open until they are sent.'

export type StatusTone = 'ok' | 'busy' | 'warn' | 'error'

export interface StatusText {
  /** Short label shown in the status bar. */
  label: string
  /** Longer explanation (tooltip / screen reader detail); may be empty. */
  detail: string
  tone: StatusTone
}

export function changes(n: number): string {
  return `${n} unsent ${n === 1 ? 'change' : 'changes'}`
}

export function statusText({ status, pending, savingDelayed, fatal, storageFailed }: StatusInput): StatusText {
  if (storageFailed && pending > 0 && !fatal && status !== 'connected') {
    const label = status === 'offline' ? 'Offline' : status === 'reconnecting' ? 'Reconnecting…' : 'Connecting…'
    return { label: `${label} · ${changes(pending)}`, detail: STORAGE_FAILED_MESSAGE, tone: 'error' }
  }
  if (fatal) {
    return {
      label: pending > 0 ? `Disconnected · ${changes(pending)}` : 'Disconnected',
      detail: fatal,
      tone: 'error',
    }
  }
  switch (status) {
    case 'offline':
      return pending > 0
        ? { label: `Offline · ${changes(pending)}`, detail: 'Your changes are kept on this device and sent when the connection returns.', tone: 'warn' }
        : { label: 'Offline · all changes saved', detail: 'Waiting for the network to come back.', tone: 'warn' }
    case 'reconnecting':
      return pending > 0
        ? { label: `Reconnecting… · ${changes(pending)}`, detail: 'Your changes are kept on this device and sent when the connection returns.', tone: 'warn' }
        : { label: 'Reconnecting…', detail: 'All changes are saved.', tone: 'warn' }
    case 'connecting':
      return pending > 0
        ? { label: `Connecting… · ${changes(pending)}`, detail: 'Your changes are kept on this device.', tone: 'busy' }
        : { label: 'Connecting…', detail: '', tone: 'busy' }
    case 'connected':
      if (savingDelayed) {
        return {
          label: pending > 0 ? `Saving delayed · ${changes(pending)}` : 'Saving delayed',
          detail: 'The server cannot reach its database. Your changes are kept and retried.',
          tone: 'warn',
        }
      }
      return pending > 0
        ? { label: 'Saving…', detail: `${pending} ${pending === 1 ? 'change is' : 'changes are'} being saved.`, tone: 'busy' }
        : { label: 'All changes saved', detail: '', tone: 'ok' }
  }
}

/** A page's wording for its connection: its own `describe`, or the agent app's (`conn.text`). */
export function connectionText(conn: StatusInput & { text: StatusText }, describe?: (input: StatusInput) => StatusText): StatusText {
  return describe
    ? describe({ status: conn.status, pending: conn.pending, savingDelayed: conn.savingDelayed, fatal: conn.fatal })
    : conn.text
}
