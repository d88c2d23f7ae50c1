import { describe, expect, it } from 'vitest'
import { Samples } from './hist.ts'
import { slope } from './report.ts'
import { BoardTracker, OpTracker } from './trackers.ts'

describe('Samples', () => {
  it('gives nearest-rank percentiles', () => {
    const s = new Samples()
    for (let i = 100; i >= 1; i--) s.add(i)
    expect(s.summary()).toMatchObject({ count: 100, p50: 50, p95: 95, p99: 99, max: 100, mean: 50.5 })
  })

  it('keeps a bounded reservoir past its cap and still counts everything', () => {
    const s = new Samples(10)
    for (let i = 0; i < 1000; i++) s.add(i)
    expect(s.summary().count).toBe(1000)
  })
})

describe('BoardTracker', () => {
  it('credits an op once a board shows its seq, on each board of the account', () => {
    const b = new BoardTracker(() => 2)
    b.counting = true
    b.onView(0, 'e1', 3, 0, true)
    b.onView(1, 'e1', 3, 0, true)
    b.onAck('e1', 4, 100)
    b.onView(0, 'e1', 4, 130)
    expect(b.latency.summary()).toMatchObject({ count: 1, max: 30 })
    expect(b.pending()).toBe(1)
    b.onView(1, 'e1', 5, 150)
    expect(b.latency.summary()).toMatchObject({ count: 2, max: 50 })
    expect(b.pending()).toBe(0)
    expect(b.deliveries).toBe(3)
  })

  it('credits an ack that arrives after the board delta with the delta time', () => {
    const b = new BoardTracker(() => 1)
    b.onView(0, 'e1', 1, 0, true)
    b.onView(0, 'e1', 2, 120)
    b.onAck('e1', 2, 100)
    expect(b.latency.summary()).toMatchObject({ count: 1, max: 20 })
    expect(b.pending()).toBe(0)
  })

  it('treats removal from the board as having seen the rest, and sweeps old ops as undelivered', () => {
    const b = new BoardTracker(() => 1)
    b.onView(0, 'e1', 1, 0, true)
    b.onAck('e1', 2, 10)
    b.onRemoved(0, 'e1', 40)
    expect(b.latency.summary().max).toBe(30)
    b.onView(0, 'e2', 1, 0, true)
    b.onAck('e2', 2, 10)
    b.sweep(100_000, 1000)
    expect(b.undelivered).toBe(1)
  })
})

describe('OpTracker', () => {
  it('measures ack and row deliveries by opId and forgets settled ops', () => {
    const boards = new BoardTracker(() => 0)
    const t = new OpTracker(boards)
    t.counting = true
    let acked = 0
    t.add('op1', { t: 0, accountId: 'a1', actorId: 'u1', engagementId: 'e1', kind: 'doc', measured: true, remaining: 2, acked: false, onAck: (seq) => { acked = seq } })
    t.onRows('second', [{ opId: 'op1' }], 5)
    t.onAck('op1', 7, 8)
    expect(acked).toBe(7)
    expect(t.ops.size).toBe(1)
    t.onRows('watcher', [{ opId: 'op1' }, { opId: 'other' }], 12)
    expect(t.ops.size).toBe(0)
    expect(t.ack.summary().max).toBe(8)
    expect(t.second.summary().max).toBe(5)
    expect(t.watcher.summary().max).toBe(12)
    expect([t.acked, t.secondDeliveries, t.watcherDeliveries]).toEqual([1, 1, 2])
    expect(t.delivery.summary()).toMatchObject({ count: 2, max: 12 })
  })

  it('counts measured ops acked by the deadline as durable in the window, and keeps their refs', () => {
    const t = new OpTracker(new BoardTracker(() => 0))
    for (const id of ['op1', 'op2', 'op3']) t.add(id, { t: 0, accountId: 'a1', actorId: 'u1', engagementId: 'e1', kind: 'doc', measured: true, remaining: 0, acked: false })
    t.add('warm', { t: 0, accountId: 'a1', actorId: 'u1', engagementId: 'e1', kind: 'doc', measured: false, remaining: 0, acked: false })
    t.onAck('op1', 1, 10)
    t.deadline = 20
    t.onAck('op2', 2, 20)
    t.onAck('op3', 3, 21)
    t.onAck('warm', 4, 5)
    expect([t.sent, t.ackedInTime]).toEqual([3, 2])
    expect(t.ackedRefs).toEqual([['a1', 'u1', 'op1'], ['a1', 'u1', 'op2'], ['a1', 'u1', 'op3']])
  })

  it('counts measured ops never acked when swept', () => {
    const t = new OpTracker(new BoardTracker(() => 0))
    t.add('op1', { t: 0, accountId: 'a1', actorId: 'u1', engagementId: 'e1', kind: 'doc', measured: true, remaining: 1, acked: false })
    t.sweep(60_000, 30_000)
    expect([t.unacked, t.undelivered, t.ops.size]).toEqual([1, 1, 0])
  })

  it('settles a refused op through its reject callback', () => {
    const t = new OpTracker(new BoardTracker(() => 0))
    let code = ''
    t.add('op1', { t: 0, accountId: 'a1', actorId: 'u1', engagementId: 'e1', kind: 'focus', measured: false, remaining: 0, acked: false, onReject: (c) => { code = c } })
    t.onRejected('op1', 'NOT_FOUND')
    expect([code, t.ops.size]).toEqual(['NOT_FOUND', 0])
  })
})

describe('slope', () => {
  it('is the least-squares rate per unit', () => {
    expect(slope([[1, 10], [2, 12], [3, 14]])).toBe(2)
    expect(slope([[1, 5]])).toBe(0)
  })
})
