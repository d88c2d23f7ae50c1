import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { EngagementSession } from '../../src/agent/engagement-session.svelte.ts'
import { memoryDocStorage } from '../../src/agent/doc-storage.ts'
import { fromBase64, toBase64 } from 'lib0/buffer'
import type { OpInput } from '../../src/lib/connection.svelte.ts'

function setup() {
  const sent: OpInput[] = []
  const storage = memoryDocStorage()
  const s = new EngagementSession('e1', { send: (op) => sent.push(op), storage, batchMs: 5 })
  return { s, sent, storage }
}

describe('EngagementSession', () => {
  it('keeps wrap-up fields in the document in the shape the server reads', async () => {
    const { s, sent } = setup()
    s.setDisposition('Resolved')
    expect(s.addTag(' refund ')).toBe(true)
    expect(s.addTag('refund')).toBe(false)
    s.addTag('vip')
    s.removeTag('vip')
    s.setSummary('Refund issued.')
    expect(s.wrapup).toEqual({ disposition: 'Resolved', tags: ['refund'], summary: 'Refund issued.' })
    s.doc.flush()
    const server = new Y.Doc()
    for (const op of sent) if (op.type === 'doc.update') Y.applyUpdate(server, fromBase64(op.update))
    const m = server.getMap('wrapup')
    expect(m.get('disposition')).toBe('Resolved')
    expect(m.get('summary')).toBe('Refund issued.')
    expect((m.get('tags') as Y.Array<string>).toArray()).toEqual(['refund'])
  })

  it('shows help as asked at once, until the server confirms it', () => {
    const { s, sent } = setup()
    expect(s.helpRaised).toBe(false)
    s.setHelp(true)
    expect(s.helpRaised).toBe(true)
    expect(sent.at(-1)).toMatchObject({ type: 'help.set', engagementId: 'e1', raised: true })
    s.onEvents([{ seq: 4, kind: 'help', actorId: 'a1', opId: 'x', at: 10, data: { raised: true } }])
    expect(s.helpRequested).toBeNull()
    expect(s.helpRaised).toBe(true)
  })

  it('sends one read receipt per whisper and clears it from unread', () => {
    const { s, sent } = setup()
    s.onEvents([{ seq: 2, kind: 'whisper', actorId: 'sup', opId: 'w', at: 5, data: { text: 'hi', fromName: 'Sam' } }])
    expect(s.unread.map((w) => w.seq)).toEqual([2])
    s.markRead([2])
    s.markRead([2])
    expect(sent.filter((o) => o.type === 'whisper.read')).toEqual([{ type: 'whisper.read', engagementId: 'e1', whisperSeq: 2 }])
    expect(s.unread).toEqual([])
  })

  it('restores the local copy and applies server rows past it', async () => {
    const { storage } = setup()
    const earlier = new Y.Doc()
    earlier.getText('notes').insert(0, 'kept on this device')
    storage.save('e1', Y.encodeStateAsUpdate(earlier), 3)
    const s = new EngagementSession('e1', { send: () => {}, storage })
    await expect.poll(() => s.restored).toBe(true)
    expect(s.doc.notes.toString()).toBe('kept on this device')
    const more = new Y.Doc()
    Y.applyUpdate(more, Y.encodeStateAsUpdate(earlier))
    more.getText('notes').insert(0, '>> ')
    s.onEvents([{ seq: 4, kind: 'doc', actorId: 'a1', opId: 'd', at: 1, data: {}, update: toBase64(Y.encodeStateAsUpdate(more, Y.encodeStateVector(earlier))) }])
    expect(s.doc.notes.toString()).toBe('>> kept on this device')
    expect(s.doc.lastSeq).toBe(4)
  })
})
