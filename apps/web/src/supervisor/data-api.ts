/**
 * Retention and erasure calls for an account's admins (`/api/admin/retention`, `/api/admin/erasures`,
 * `DELETE /api/admin/engagements/:id`). Errors are `ApiError`s with the server's stable code.
 */
import type { Erasure, ErasureList, ErasureResponse, RetentionSettings } from '@switchboard/protocol/rest'
import { getJson, postJson } from '../lib/api.ts'

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' }

export function fetchRetention(): Promise<RetentionSettings> {
  return getJson<RetentionSettings>('/api/admin/retention')
}

/** `days` null: follow the server's default (`NOTES_RETENTION_DAYS`). */
export function saveRetention(days: number | null): Promise<RetentionSettings> {
  return days === null
    ? getJson<RetentionSettings>('/api/admin/retention', { method: 'DELETE' })
    : getJson<RetentionSettings>('/api/admin/retention', { method: 'PUT', headers: JSON_HEADERS, body: JSON.stringify({ retentionDays: days }) })
}

export async function eraseEngagement(engagementId: string): Promise<Erasure> {
  const r = await getJson<ErasureResponse>(`/api/admin/engagements/${encodeURIComponent(engagementId)}`, { method: 'DELETE' })
  return r.erasure
}

export async function eraseConsumer(consumerNumber: string): Promise<Erasure> {
  return (await postJson<ErasureResponse>('/api/admin/erasures', { consumerNumber })).erasure
}

export async function listErasures(): Promise<Erasure[]> {
  return (await getJson<ErasureList>('/api/admin/erasures')).items
}
