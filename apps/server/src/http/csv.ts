/** CSV rows for the engagement export (RFC 4180 quoting; formula-looking cells neutralized). */
import type { Wrapup } from '@switchboard/protocol'
import type { Engagement } from '../domain/engagement/model.ts'

const COLUMNS = [
  'engagementId', 'agentId', 'agentName', 'state', 'channel', 'queueId', 'queueName', 'startedAt', 'acceptedAt',
  'wrapupStartedAt', 'endedAt', 'handleMs', 'wrapupMs', 'disposition', 'tags', 'summary', 'notes',
]

export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return ''
  let s = String(v)
  // Spreadsheets run cells starting with these as formulas.
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString())

export function csvHeader(): string {
  return `${COLUMNS.join(',')}\r\n`
}

/** One engagement's line, with its stored notes text and wrap-up (null when it has none). */
export function csvRow(e: Engagement, notes: { text: string; wrapup: Wrapup } | null): string {
  const w = notes?.wrapup ?? {}
  return `${[
    e.id, e.agentId, e.agentName ?? '', e.state ?? '', e.channel ?? '', e.queueId ?? '', e.queueName ?? '',
    iso(e.startedAt), iso(e.acceptedAt), iso(e.wrapupStartedAt), iso(e.endedAt), e.handleMs ?? '', e.wrapupMs ?? '',
    w.disposition ?? '', (w.tags ?? []).join('; '), w.summary ?? '', notes?.text ?? '',
  ].map(csvCell).join(',')}\r\n`
}
