import { afterEach, describe, expect, it, vi } from 'vitest'
import * as Y from 'yjs'
import { MAX_DOC_UPDATE_BASE64 } from '@switchboard/protocol'
import { EngagementDoc, LOCAL } from '../../src/agent/notes/engagement-doc.ts'
import { fromBase64, toBase64 } from 'lib0/buffer'

afterEach(() => { vi.useRealTimers() })

describe('EngagementDoc', () => {
  it('sends the first edit after a quiet spell at once and merges the ones that follow it', () => {
    vi.useFakeTimers()
    const sent: string[] = []
    const d = new EngagementDoc('e1', { sendUpdate: (_id, u) => sent.push(u), batchMs: 150 })
    d.doc.transact(() => d.notes.insert(0, 'a'), LOCAL)
    expect(sent).toHaveLength(1)
    vi.advanceTimersByTime(40)
    d.doc.transact(() => d.notes.insert(1, 'b'), LOCAL)
    d.doc.transact(() => d.wrapup.set('disposition', 'Resolved'), LOCAL)
    expect(sent).toHaveLength(1)
    // Merged until the window that the first send opened ends (150 ms after it), not 150 ms more.
    vi.advanceTimersByTime(109)
    expect(sent).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(sent).toHaveLength(2)
    const replica = new Y.Doc()
    for (const u of sent) Y.applyUpdate(replica, fromBase64(u))
    expect(replica.getText('notes').toString()).toBe('ab')
    expect(replica.getMap('wrapup').get('disposition')).toBe('Resolved')
  })

  it('sends one op per key when typing is slower than the batch, and merges faster typing: at most one op per batch window', () => {
    vi.useFakeTimers()
    const sent: string[] = []
    const d = new EngagementDoc('e1', { sendUpdate: (_id, u) => sent.push(u), batchMs: 150 })
    const key = (ch: string): void => d.doc.transact(() => d.notes.insert(d.notes.length, ch), LOCAL)
    for (const ch of 'slow') {
      key(ch)
      vi.advanceTimersByTime(200)
    }
    expect(sent).toHaveLength(4) // each at once
    vi.advanceTimersByTime(1000)
    sent.length = 0
    // Eight keys 100 ms apart (700 ms): the first at once, then one merged op when each 150 ms
    // window since the last send ends: 6 ops, never two within 150 ms (one per key would be 8).
    const sentAt: number[] = []
    const d2 = new EngagementDoc('e2', { sendUpdate: () => sentAt.push(Date.now()), batchMs: 150 })
    for (const ch of 'burst!!!') {
      key(ch)
      d2.doc.transact(() => d2.notes.insert(d2.notes.length, ch), LOCAL)
      vi.advanceTimersByTime(100)
    }
    vi.advanceTimersByTime(1000)
    expect(sent).toHaveLength(6)
    expect(sentAt).toHaveLength(6)
    for (let i = 1; i < sentAt.length; i++) expect(sentAt[i]! - sentAt[i - 1]!).toBeGreaterThanOrEqual(150)
    const replica = new Y.Doc()
    Y.applyUpdate(replica, Y.encodeStateAsUpdate(d.doc))
    expect(replica.getText('notes').toString()).toBe('slowburst!!!')
  })

  it('does not send remote updates back, but advances lastSeq', () => {
    vi.useFakeTimers()
    const sent: string[] = []
    const d = new EngagementDoc('e1', { sendUpdate: (_id, u) => sent.push(u) })
    const other = new Y.Doc()
    other.getText('notes').insert(0, 'from the server')
    d.applyRemote(toBase64(Y.encodeStateAsUpdate(other)), 7)
    vi.advanceTimersByTime(1000)
    expect(sent).toHaveLength(0)
    expect(d.notes.toString()).toBe('from the server')
    expect(d.lastSeq).toBe(7)
    d.applyRemote(new Uint8Array(), 3)
    expect(d.lastSeq).toBe(7)
  })

  it('sends updates separately when the merge would exceed the op cap', () => {
    const sent: string[] = []
    const d = new EngagementDoc('e1', { sendUpdate: (_id, u) => sent.push(u), batchMs: 10_000 })
    for (let i = 0; i < 6; i++) d.doc.transact(() => d.notes.insert(0, 'z'.repeat(8000)), LOCAL)
    d.flush()
    expect(sent.length).toBe(6)
    for (const u of sent) expect(u.length).toBeLessThanOrEqual(MAX_DOC_UPDATE_BASE64)
    const replica = new Y.Doc()
    for (const u of sent) Y.applyUpdate(replica, fromBase64(u))
    expect(replica.getText('notes').length).toBe(48_000)
  })

  it('persists the state with its seq, and a restored doc shows the same text', () => {
    vi.useFakeTimers()
    let saved: { state: Uint8Array; seq: number } | null = null
    const d = new EngagementDoc('e1', {
      sendUpdate: () => {},
      persist: (_id, state, seq) => { saved = { state, seq } },
      persistMs: 100,
    })
    d.applyRemote(Y.encodeStateAsUpdate(new Y.Doc()), 4)
    d.doc.transact(() => d.notes.insert(0, 'offline text'), LOCAL)
    vi.advanceTimersByTime(100)
    expect(saved).not.toBeNull()
    const restored = new EngagementDoc('e1', { sendUpdate: () => {} })
    restored.applyRemote(saved!.state, saved!.seq)
    expect(restored.notes.toString()).toBe('offline text')
    expect(restored.lastSeq).toBe(4)
  })

  it('flushes pending edits on destroy so nothing is left behind', () => {
    const sent: string[] = []
    const d = new EngagementDoc('e1', { sendUpdate: (_id, u) => sent.push(u), batchMs: 10_000 })
    d.doc.transact(() => d.notes.insert(0, 'last words'), LOCAL)
    d.destroy()
    expect(sent).toHaveLength(1)
  })
})

describe('EngagementDoc.applySnapshot', () => {
  it('sends back local edits the server snapshot lacks, and nothing when it has them all', () => {
    const sent: string[] = []
    const server = new Y.Doc()
    server.getText('notes').insert(0, 'server text. ')
    const d = new EngagementDoc('e1', { sendUpdate: (_id, u) => sent.push(u), batchMs: 10_000 })
    // Restored from this device: includes an edit the server never got.
    const local = new Y.Doc()
    Y.applyUpdate(local, Y.encodeStateAsUpdate(server))
    local.getText('notes').insert(13, 'lost offline edit')
    d.applyRemote(Y.encodeStateAsUpdate(local))

    expect(d.applySnapshot(toBase64(Y.encodeStateAsUpdate(server)), 9)).toBe(true)
    d.flush()
    expect(sent).toHaveLength(1)
    Y.applyUpdate(server, fromBase64(sent[0]!))
    expect(server.getText('notes').toString()).toBe('server text. lost offline edit')
    expect(d.lastSeq).toBe(9)

    expect(d.applySnapshot(toBase64(Y.encodeStateAsUpdate(server)), 10)).toBe(false)
    d.flush()
    expect(sent).toHaveLength(1)
  })
})
