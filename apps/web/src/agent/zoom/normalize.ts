/**
 * Tolerant readers from Zoom's raw payloads to the protocol's shapes. Zoom sends booleans as
 * strings ("true"), times as seconds or milliseconds (its own docs show both), and may add fields:
 * unknown fields are dropped because the server's schemas are strict.
 */
import { toEpochMs } from '@switchboard/protocol/time'
import type {
  EngagementContext, EngagementState, EngagementStatusChanges, EngagementVariable,
} from './types.ts'

const MAX_TEXT = 512
const STATES: readonly EngagementState[] = ['active', 'inactive', 'wrap-up', 'end']

type Raw = Record<string, unknown>

export function isRecord(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function text(v: unknown, max = MAX_TEXT): string | undefined {
  if (typeof v === 'string') return v.slice(0, max)
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  return undefined
}

function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v
  if (v === 'true' || v === '1' || v === 1) return true
  if (v === 'false' || v === '0' || v === 0 || v === '') return false
  return undefined
}

/** Epoch milliseconds from seconds, milliseconds or an ISO string; undefined when unreadable. */
export function epochMs(v: unknown): number | undefined {
  return toEpochMs(v) ?? undefined
}

/** An event's own `timestamp` in ms, or `fallback` (receive time) when Zoom left it out. */
export function eventTimestamp(v: unknown, fallback: number): number {
  return epochMs(v) ?? fallback
}

function put<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value
}

/** A reader for each field of `T`: the field's value from Zoom's, or undefined when unreadable. */
type Readers<T> = { [K in keyof T]-?: (v: unknown) => NonNullable<T[K]> | undefined }

/** Into `out`, the fields of `raw` that their reader can read; everything else is dropped. */
function readFields<T extends object>(raw: Raw, readers: Partial<Readers<T>>, out: T): T {
  for (const key of Object.keys(readers) as (keyof T & string)[]) put(out, key, readers[key]?.(raw[key]))
  return out
}

const CONTEXT_FIELDS: Readers<Omit<EngagementContext, 'engagementId'>> = {
  startTime: epochMs,
  acceptTime: epochMs,
  queueId: text,
  queueName: text,
  isTransfer: bool,
  transferType: text,
  transferFromAgentId: text,
  transferFromAgentName: text,
}

type ZoomConsumer = NonNullable<EngagementStatusChanges['consumers']>[number]
const CONSUMER_FIELDS: Readers<ZoomConsumer> = {
  consumerId: text,
  consumerDisplayName: text,
  consumerNumber: text,
  consumerEmail: text,
}

const STATUS_FIELDS: Readers<EngagementStatusChanges> = {
  state: (v) => (typeof v === 'string' && (STATES as readonly string[]).includes(v) ? v as EngagementState : undefined),
  channel: (v) => text(v, 32) || undefined,
  source: text,
  isConference: bool,
  assignedAgentId: text,
  assignedAgentName: text,
  endTime: epochMs,
  consumers: (v) => (Array.isArray(v) ? v.filter(isRecord).slice(0, 50).map((c) => readFields(c, CONSUMER_FIELDS, {})) : undefined),
}

export function normalizeContext(raw: unknown): EngagementContext | null {
  const c = isRecord(raw) && isRecord(raw.engagementContext) ? raw.engagementContext : raw
  if (!isRecord(c)) return null
  const engagementId = text(c.engagementId, 128)
  if (!engagementId) return null
  return readFields<EngagementContext>(c, CONTEXT_FIELDS, { engagementId })
}

/** The status fields present in `raw` (a full status or a change event's diff). */
export function normalizeStatusFields(raw: Raw): EngagementStatusChanges {
  return readFields(raw, STATUS_FIELDS, {})
}

/** `{ engagementStatus: {...} }` (reply or event) to its id and fields. */
export function normalizeStatus(raw: unknown): { engagementId: string; status: EngagementStatusChanges } | null {
  const s = isRecord(raw) && isRecord(raw.engagementStatus) ? raw.engagementStatus : raw
  if (!isRecord(s)) return null
  const engagementId = text(s.engagementId, 128)
  if (!engagementId) return null
  return { engagementId, status: normalizeStatusFields(s) }
}

export function normalizeVariables(raw: unknown): EngagementVariable[] {
  const list = isRecord(raw) ? raw.variables : raw
  if (!Array.isArray(list)) return []
  const out: EngagementVariable[] = []
  for (const v of list) {
    if (!isRecord(v)) continue
    const id = text(v.id)
    if (!id) continue
    const value = v.value
    const variable: EngagementVariable = {
      id,
      value: typeof value === 'string' ? value.slice(0, 4096)
        : typeof value === 'number' || typeof value === 'boolean' || value === null ? value
        : value === undefined ? null : JSON.stringify(value).slice(0, 4096),
    }
    put(variable, 'name', text(v.name))
    out.push(variable)
    if (out.length === 100) break
  }
  return out
}

