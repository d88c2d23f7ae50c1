/**
 * The dashboard's view (tab, board filters and sort, history filters, open engagement) as a query
 * string, so a view can be shared and survives reload. Defaults are left out of the URL; unknown
 * or malformed values fall back to defaults instead of failing.
 */
import type { EngagementState } from '@switchboard/protocol'

export const TABS = ['board', 'history'] as const
export type Tab = (typeof TABS)[number]

export const STATES = ['active', 'inactive', 'wrap-up'] as const satisfies readonly EngagementState[]
export type LiveState = (typeof STATES)[number]

export const SORT_KEYS = [
  'alert', 'agent', 'consumer', 'channel', 'queue', 'state', 'timeInState', 'handleTime',
] as const
export type SortKey = (typeof SORT_KEYS)[number]
export type SortDir = 'asc' | 'desc'

export interface BoardFilters {
  queue: string
  agent: string
  state: LiveState | ''
  channel: string
}

export interface HistoryFilters {
  q: string
  /** Local calendar dates, `YYYY-MM-DD`, inclusive; '' = open. */
  from: string
  to: string
  agent: string
  queue: string
}

export interface ViewState {
  tab: Tab
  filters: BoardFilters
  sort: { key: SortKey; dir: SortDir }
  history: HistoryFilters
  /** Engagement open in the drill-in panel ('' = none). */
  open: string
}

export function defaultViewState(): ViewState {
  return {
    tab: 'board',
    filters: { queue: '', agent: '', state: '', channel: '' },
    sort: { key: 'alert', dir: 'desc' },
    history: { q: '', from: '', to: '', agent: '', queue: '' },
    open: '',
  }
}

const DATE = /^\d{4}-\d{2}-\d{2}$/
const MAX_LEN = 200

function oneOf<T extends string>(value: string | null, allowed: readonly T[], fallback: T): T {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : fallback
}

function text(value: string | null): string {
  return value === null ? '' : value.trim().slice(0, MAX_LEN)
}

function date(value: string | null): string {
  return value !== null && DATE.test(value) && !Number.isNaN(Date.parse(value)) ? value : ''
}

export function parseViewState(search: string): ViewState {
  const p = new URLSearchParams(search)
  const d = defaultViewState()
  return {
    tab: oneOf(p.get('tab'), TABS, d.tab),
    filters: {
      queue: text(p.get('queue')),
      agent: text(p.get('agent')),
      state: oneOf<LiveState | ''>(p.get('state'), STATES, ''),
      channel: text(p.get('channel')),
    },
    sort: {
      key: oneOf(p.get('sort'), SORT_KEYS, d.sort.key),
      dir: oneOf<SortDir>(p.get('dir'), ['asc', 'desc'], d.sort.dir),
    },
    history: {
      q: text(p.get('q')),
      from: date(p.get('from')),
      to: date(p.get('to')),
      agent: text(p.get('hagent')),
      queue: text(p.get('hqueue')),
    },
    open: text(p.get('open')),
  }
}

/** Query string without the leading '?', defaults omitted, keys in a fixed order. */
export function serializeViewState(v: ViewState): string {
  const d = defaultViewState()
  const p = new URLSearchParams()
  const put = (key: string, value: string, fallback = '') => {
    if (value !== fallback) p.set(key, value)
  }
  put('tab', v.tab, d.tab)
  put('queue', v.filters.queue)
  put('agent', v.filters.agent)
  put('state', v.filters.state)
  put('channel', v.filters.channel)
  // The sort is one choice: keep both parts when either differs from the default.
  if (v.sort.key !== d.sort.key || v.sort.dir !== d.sort.dir) {
    p.set('sort', v.sort.key)
    p.set('dir', v.sort.dir)
  }
  put('q', v.history.q)
  put('from', v.history.from)
  put('to', v.history.to)
  put('hagent', v.history.agent)
  put('hqueue', v.history.queue)
  put('open', v.open)
  return p.toString()
}
