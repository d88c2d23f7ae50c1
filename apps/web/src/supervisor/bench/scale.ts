/**
 * Scale harness (dev server only, not part of the build): the real Dashboard fed by a synthetic
 * board through a FakeConnection. `window.supervisorScale` drives it from tests/browser and reports:
 * - update cost: one delta applied, the DOM patched and layout forced, timed synchronously;
 * - tick cost: the shared 1 s ticker advancing every timer on the board;
 * - frame times and long tasks while deltas stream at the server's cadence with the ticker live.
 * Query: ?engagements=500&agents=200 (plus any dashboard view parameters).
 */
import { flushSync, mount } from 'svelte'
import * as Y from 'yjs'
import '../../lib/styles.css'
import '../supervisor.css'
import { Clock, clockContext } from '../../lib/clock.svelte.ts'
import { connectionContext } from '../../lib/connection.svelte.ts'
import { Board, boardContext } from '../board.svelte.ts'
import Dashboard from '../Dashboard.svelte'
import { FakeConnection } from './fake-connection.ts'
import { SyntheticBoard } from './synthetic.ts'

const params = new URLSearchParams(location.search)
const synth = new SyntheticBoard({
  engagements: Number(params.get('engagements') ?? 500),
  agents: Number(params.get('agents') ?? 200),
})
const conn = new FakeConnection()
let mode: 'sync' | 'raf' = 'raf'
const board = new Board((fn) => {
  if (mode === 'sync') fn()
  else requestAnimationFrame(fn)
})
// Browser time, which `measureUpdates` moves on by a second per measured tick.
let skewMs = 0
const clock = new Clock({ read: () => Date.now() + skewMs })

conn.onBoardSubscribe = () => conn.emit(synth.snapshot())

// Drill-in: a notes document per engagement, fed by `type()`; whispers acked then readable.
const docs = new Map<string, { doc: Y.Doc; seq: number }>()
const toB64 = (u: Uint8Array) => btoa(String.fromCharCode(...u))
function docFor(id: string) {
  let d = docs.get(id)
  if (!d) {
    d = { doc: new Y.Doc(), seq: 1 }
    d.doc.getText('notes').insert(0, 'Customer called about an order.\n')
    d.doc.getMap('wrapup').set('disposition', 'Resolved')
    docs.set(id, d)
  }
  return d
}
conn.onSubscribe = (id) => {
  const e = synth.engagements.get(id)
  if (!e) {
    conn.emit({ type: 'error', code: 'NOT_FOUND', message: 'Not found.', engagementId: id })
    return
  }
  const d = docFor(id)
  conn.emit({
    type: 'engagement.snapshot', engagementId: id, seq: d.seq, engagement: e,
    doc: toB64(Y.encodeStateAsUpdate(d.doc)), whispers: [], reason: 'subscribe',
  })
}
conn.onSend = (op) => {
  if (op.type !== 'whisper.send') return
  const d = docFor(op.engagementId)
  const seq = ++d.seq
  setTimeout(() => {
    conn.emit({
      type: 'engagement.events', engagementId: op.engagementId,
      events: [{ seq, kind: 'whisper', actorId: 'supervisor-1', opId: op.opId, at: Date.now(), data: { text: op.text, fromId: 'supervisor-1', fromName: 'Sam Supervisor' } }],
    })
    conn.emit({ type: 'ack', opId: op.opId, engagementId: op.engagementId, seq })
  }, 30)
}

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return 0
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0
}
const round = (n: number) => Math.round(n * 100) / 100
const summary = (xs: number[]) => ({ n: xs.length, p50: round(pct(xs, 50)), p95: round(pct(xs, 95)), max: round(Math.max(0, ...xs)) })

const api = {
  /** Rows the board table reports (aria-rowcount minus the header); the DOM holds only a window. */
  rows: () => Number(document.querySelector('table.board')?.getAttribute('aria-rowcount') ?? 1) - 1,
  renderedRows: () => document.querySelectorAll('table.board tbody tr:not(.spacer)').length,
  rosterRows: () => Number(document.querySelector('table.roster')?.getAttribute('aria-rowcount') ?? 1) - 1,
  boardSize: () => board.rows.length,
  /** Agent types into an engagement's notes: a `doc` log row to its watchers. */
  type(id: string, text: string) {
    const d = docFor(id)
    const before = Y.encodeStateVector(d.doc)
    const t = d.doc.getText('notes')
    t.insert(t.length, text)
    const seq = ++d.seq
    conn.emit({
      type: 'engagement.events', engagementId: id,
      events: [{ seq, kind: 'doc', actorId: 'agent', opId: crypto.randomUUID(), at: Date.now(), data: {}, update: toB64(Y.encodeStateAsUpdate(d.doc, before)) }],
    })
  },
  /** The agent reads whisper `whisperSeq`. */
  read(id: string, whisperSeq: number) {
    const d = docFor(id)
    const seq = ++d.seq
    conn.emit({
      type: 'engagement.events', engagementId: id,
      events: [{ seq, kind: 'whisper.read', actorId: 'agent', opId: crypto.randomUUID(), at: Date.now(), data: { whisperSeq } }],
    })
  },
  /** A new board snapshot, as after a reconnect; `keep` trims it to that many engagements. */
  resnapshot(keep?: number) {
    const snap = synth.snapshot()
    conn.emit(keep === undefined ? snap : { ...snap, engagements: snap.engagements.slice(0, keep) })
  },
  subscriptions: () => [...conn.subscriptions],
  firstEngagementId: () => board.rows[0]?.id ?? null,
  engagement: (id: string) => synth.engagements.get(id) ?? null,
  /** Synchronous update cost per delta and per tick (ms). */
  measureUpdates(opts: { deltas?: number; changes?: number; ticks?: number } = {}) {
    mode = 'sync'
    const update: number[] = []
    const apply: number[] = []
    const dom: number[] = []
    for (let i = 0; i < (opts.deltas ?? 200); i++) {
      const d = synth.delta(opts.changes ?? 50)
      const t0 = performance.now()
      conn.emit(d)
      flushSync()
      const t1 = performance.now()
      void document.body.offsetHeight
      update.push(performance.now() - t0)
      dom.push(t1 - t0)
      apply.push(board.lastApplyMs)
    }
    const tick: number[] = []
    const tickDom: number[] = []
    for (let i = 0; i < (opts.ticks ?? 60); i++) {
      const t0 = performance.now()
      skewMs += 1000
      clock.tick()
      flushSync()
      const t1 = performance.now()
      void document.body.offsetHeight
      tick.push(performance.now() - t0)
      tickDom.push(t1 - t0)
    }
    mode = 'raf'
    return {
      update: summary(update), updateScript: summary(dom), applyOnly: summary(apply),
      tick: summary(tick), tickScript: summary(tickDom),
    }
  },
  /** Deltas at the server's cadence with the ticker live; frame intervals and long tasks. */
  async measureStream(opts: { seconds?: number; intervalMs?: number; changes?: number } = {}) {
    mode = 'raf'
    const frames: number[] = []
    const longTasks: number[] = []
    const obs = new PerformanceObserver((list) => { for (const e of list.getEntries()) longTasks.push(e.duration) })
    try { obs.observe({ type: 'longtask', buffered: false }) } catch { /* not supported */ }
    const release = clock.hold()
    const end = performance.now() + (opts.seconds ?? 10) * 1000
    let last = performance.now()
    let running = true
    const frame = (t: number) => {
      frames.push(t - last)
      last = t
      if (running) requestAnimationFrame(frame)
    }
    requestAnimationFrame((t) => { last = t; requestAnimationFrame(frame) })
    let sent = 0
    while (performance.now() < end) {
      conn.emit(synth.delta(opts.changes ?? 50, opts.intervalMs ?? 250))
      sent++
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250))
    }
    running = false
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))
    obs.disconnect()
    release()
    return { deltasSent: sent, frames: summary(frames), longTasks: { count: longTasks.length, max: round(Math.max(0, ...longTasks)) } }
  },
}

declare global { interface Window { supervisorScale: typeof api & { ready: boolean } } }

const target = document.getElementById('app')
if (!target) throw new Error('#app is missing')
mount(Dashboard, {
  target,
  props: {
    user: { id: 'supervisor-1', accountId: 'acct-bench', role: 'supervisor', displayName: 'Sam Supervisor' },
    getToken: () => null,
    onLostAccess: () => {},
  },
  context: new Map<symbol, unknown>([connectionContext(conn), boardContext(board), clockContext(clock)]),
})
window.supervisorScale = Object.assign(api, { ready: true })
