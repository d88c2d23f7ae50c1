import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import type { EngagementDetail } from '@switchboard/protocol'
import { ApiError } from '../../src/lib/api.ts'
import { EngagementWatch, type WatchSource } from '../../src/supervisor/engagement-watch.svelte.ts'
import { engagement, FrameSource, T0 } from './fixtures.ts'

const b64 = (u: Uint8Array) => btoa(String.fromCharCode(...u))

class Source extends FrameSource implements WatchSource {
  subs: string[] = []
  sent: { type: string; engagementId: string; text: string }[] = []
  subscribe(id: string): void { this.subs.push(id) }
  unsubscribe(id: string): void { this.subs = this.subs.filter((s) => s !== id) }
  send(op: { type: 'whisper.send'; engagementId: string; text: string }): string {
    this.sent.push(op)
    return `00000000-0000-7000-8000-00000000000${this.sent.length}`
  }
}

function agentDoc() {
  const doc = new Y.Doc()
  doc.getText('notes').insert(0, 'Caller wants a refund.')
  doc.getMap('wrapup').set('disposition', 'Refund')
  return doc
}

const never = () => new Promise<EngagementDetail>(() => {})

describe('EngagementWatch', () => {
  it('subscribes, applies the snapshot document, then live doc rows; unsubscribes on close', () => {
    const source = new Source()
    const w = new EngagementWatch(source, 'e1', never)
    w.open()
    expect(source.subs).toEqual(['e1'])
    expect(w.status).toBe('loading')

    const doc = agentDoc()
    source.emit({
      type: 'engagement.snapshot', engagementId: 'e1', seq: 4, engagement: engagement('e1'),
      doc: b64(Y.encodeStateAsUpdate(doc)), whispers: [], reason: 'subscribe',
    })
    expect(w.status).toBe('ready')
    expect(w.notes).toBe('Caller wants a refund.')
    expect(w.wrapup).toEqual({ disposition: 'Refund' })

    const sv = Y.encodeStateVector(doc)
    doc.getText('notes').insert(doc.getText('notes').length, '\nApproved.')
    source.emit({
      type: 'engagement.events', engagementId: 'e1',
      events: [{ seq: 5, kind: 'doc', actorId: 'a', opId: 'x', at: T0, data: {}, update: b64(Y.encodeStateAsUpdate(doc, sv)) }],
    })
    expect(w.notes).toBe('Caller wants a refund.\nApproved.')
    expect(w.timeline.map((t) => t.text)).toEqual(['Notes edited'])
    expect(w.events[0]?.update).toBeUndefined()

    // Frames for other engagements are not ours.
    source.emit({ type: 'engagement.events', engagementId: 'e2', events: [{ seq: 9, kind: 'help', actorId: 'a', opId: 'y', at: T0, data: { raised: true } }] })
    expect(w.events).toHaveLength(1)

    w.close()
    expect(source.subs).toEqual([])
  })

  it('sends a whisper and tracks it to delivered', () => {
    const source = new Source()
    const w = new EngagementWatch(source, 'e1', never)
    w.open()
    w.sendWhisper('  Offer the credit  ', 'Sam')
    expect(source.sent).toEqual([{ type: 'whisper.send', engagementId: 'e1', text: 'Offer the credit' }])
    expect(w.whispers.map((x) => x.status)).toEqual(['sending'])
    source.emit({ type: 'ack', opId: '00000000-0000-7000-8000-000000000001', engagementId: 'e1', seq: 7 })
    expect(w.whispers[0]).toMatchObject({ status: 'delivered', seq: 7 })
    w.sendWhisper('   ', 'Sam')
    expect(source.sent).toHaveLength(1)
    w.close()
  })

  it('keeps a retryable rejection pending and fails a final one', () => {
    const source = new Source()
    const w = new EngagementWatch(source, 'e1', never)
    w.open()
    w.sendWhisper('one', 'Sam')
    source.emit({ type: 'error', code: 'RATE_LIMITED', message: 'slow down', opId: '00000000-0000-7000-8000-000000000001' })
    expect(w.whispers[0]?.status).toBe('sending')
    source.emit({ type: 'error', code: 'FORBIDDEN', message: 'You are not allowed to do that.', opId: '00000000-0000-7000-8000-000000000001' })
    expect(w.whispers[0]).toMatchObject({ status: 'failed', error: 'You are not allowed to do that.' })
    w.close()
  })

  it('shows a closed engagement from REST (timeline and stored notes) when no snapshot comes', async () => {
    const source = new Source()
    const detail: EngagementDetail = {
      engagement: engagement('e1', { state: 'end', endedAt: T0 }),
      events: [{ seq: 1, kind: 'context', actorId: 'a', opId: 'o', at: T0, data: { context: { engagementId: 'e1' } } }],
      notes: { text: 'Stored notes', wrapup: { summary: 'Done' } },
    }
    const w = new EngagementWatch(source, 'e1', async () => detail)
    w.open()
    await expect.poll(() => w.status).toBe('ready')
    expect(w.notes).toBe('Stored notes')
    expect(w.wrapup).toEqual({ summary: 'Done' })
    expect(w.timeline.map((t) => t.text)).toEqual(['Engagement opened'])
    w.close()
  })

  it('drops everything it holds when the engagement is erased, and takes nothing more about it', async () => {
    const source = new Source()
    let answer: (d: EngagementDetail) => void = () => {}
    const w = new EngagementWatch(source, 'e1', () => new Promise((resolve) => { answer = resolve }))
    w.open()
    const doc = agentDoc()
    source.emit({
      type: 'engagement.snapshot', engagementId: 'e1', seq: 4, engagement: engagement('e1'),
      doc: b64(Y.encodeStateAsUpdate(doc)), whispers: [{ seq: 3, text: 'Offer the credit', fromId: 's', fromName: 'Sam', at: T0, readAt: null }],
      reason: 'subscribe',
    })
    source.emit({ type: 'engagement.events', engagementId: 'e1', events: [{ seq: 5, kind: 'help', actorId: 'a', opId: 'h', at: T0, data: { raised: true } }] })
    expect(w.notes).toBe('Caller wants a refund.')
    expect(w.whispers).toHaveLength(1)

    // Another engagement's erasure is not ours.
    source.emit({ type: 'engagement.erased', engagementId: 'e2' })
    expect(w.status).toBe('ready')

    source.emit({ type: 'engagement.erased', engagementId: 'e1' })
    expect(w.status).toBe('erased')
    expect([w.engagement, w.notes, w.wrapup, w.events, w.whispers, w.timeline]).toEqual([null, '', {}, [], [], []])

    // Late frames and the REST history that was on its way bring nothing back.
    source.emit({ type: 'engagement.events', engagementId: 'e1', events: [{ seq: 6, kind: 'help', actorId: 'a', opId: 'i', at: T0, data: { raised: false } }] })
    answer({ engagement: engagement('e1'), events: [], notes: { text: 'Stored notes', wrapup: {} } })
    await new Promise((r) => setTimeout(r, 0))
    expect([w.status, w.engagement, w.notes, w.events]).toEqual(['erased', null, '', []])
    w.close()
  })

  it('says not found when the engagement is not in the account', async () => {
    const w = new EngagementWatch(new Source(), 'nope', async () => { throw new ApiError(404, 'NOT_FOUND', 'Not found.') })
    w.open()
    await expect.poll(() => w.status).toBe('not-found')
    w.close()
  })
})
