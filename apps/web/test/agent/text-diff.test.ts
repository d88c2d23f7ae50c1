import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { diffText, transformPosition, transformSelection } from '../../src/agent/notes/text-diff.ts'

function apply(before: string, c: ReturnType<typeof diffText>): string {
  if (!c) return before
  return before.slice(0, c.index) + c.insert + before.slice(c.index + c.remove)
}

describe('diffText', () => {
  it('returns null when nothing changed', () => {
    expect(diffText('abc', 'abc')).toBeNull()
  })

  it('records a typed character, an insertion in the middle and a deletion', () => {
    expect(diffText('hello', 'hello!', 6)).toEqual({ index: 5, remove: 0, insert: '!' })
    expect(diffText('helo', 'hello', 4)).toEqual({ index: 3, remove: 0, insert: 'l' })
    expect(diffText('hello', 'hllo', 1)).toEqual({ index: 1, remove: 1, insert: '' })
  })

  it('uses the caret to place an insertion inside repeated text', () => {
    // Typed "a" at index 1 of "aa": caret ends at 2, the edit is at 1 (not at the end).
    expect(diffText('aa', 'aaa', 2)).toEqual({ index: 1, remove: 0, insert: 'a' })
    // Same text typed at the start.
    expect(diffText('aa', 'aaa', 1)).toEqual({ index: 0, remove: 0, insert: 'a' })
    // Without a caret the common prefix wins.
    expect(diffText('aa', 'aaa')).toEqual({ index: 2, remove: 0, insert: 'a' })
  })

  it('records a replaced selection as one change', () => {
    const c = diffText('the quick fox', 'the slow fox', 8)
    expect(c).toEqual({ index: 4, remove: 5, insert: 'slow' })
  })

  it('never splits a surrogate pair', () => {
    const before = 'a\u{1F600}b'
    const after = 'a\u{1F601}b'
    const c = diffText(before, after, 3)!
    expect(c.index).toBe(1)
    expect(c.remove).toBe(2)
    expect(c.insert).toBe('\u{1F601}')
  })

  it('always reproduces the new text (random edits)', () => {
    const alphabet = 'ab \n\u{1F600}'
    let seed = 7
    const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n }
    for (let i = 0; i < 500; i++) {
      const before = Array.from({ length: rnd(12) }, () => [...alphabet][rnd(5)]).join('')
      const at = rnd(before.length + 1)
      const del = rnd(before.length - at + 1)
      const ins = Array.from({ length: rnd(4) }, () => [...alphabet][rnd(5)]).join('')
      const after = before.slice(0, at) + ins + before.slice(at + del)
      const c = diffText(before, after, at + ins.length)
      expect(apply(before, c)).toBe(after)
    }
  })
})

describe('transformPosition', () => {
  it('shifts positions after an insertion and keeps those before it', () => {
    const delta = [{ retain: 3 }, { insert: 'XY' }]
    expect(transformPosition(1, delta)).toBe(1)
    expect(transformPosition(5, delta)).toBe(7)
    expect(transformPosition(3, delta, false)).toBe(3)
    expect(transformPosition(3, delta, true)).toBe(5)
  })

  it('moves positions inside a deletion to its start', () => {
    const delta = [{ retain: 2 }, { delete: 4 }]
    expect(transformPosition(1, delta)).toBe(1)
    expect(transformPosition(3, delta)).toBe(2)
    expect(transformPosition(8, delta)).toBe(4)
  })

  it('follows real Yjs deltas from a remote session', () => {
    const a = new Y.Doc()
    const b = new Y.Doc()
    a.getText('t').insert(0, 'hello world')
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a))
    let delta: unknown = null
    b.getText('t').observe((e) => { delta = e.delta })
    a.getText('t').insert(0, '>> ')
    a.getText('t').delete(8, 6) // removes " world" (now at 8..14 after the prefix)
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)))
    expect(b.getText('t').toString()).toBe('>> hello')
    // Caret after "hello" (index 5) in the old text is after "hello" in the new one.
    expect(transformPosition(5, delta as never)).toBe(8)
  })
})

describe('transformSelection', () => {
  it('does not widen a range when text is inserted at its edges', () => {
    expect(transformSelection(2, 5, [{ retain: 2 }, { insert: 'ab' }])).toEqual([4, 7])
    expect(transformSelection(2, 5, [{ retain: 5 }, { insert: 'ab' }])).toEqual([2, 5])
  })

  it('keeps a collapsed caret in front of text inserted right at it', () => {
    expect(transformSelection(4, 4, [{ retain: 4 }, { insert: 'zz' }])).toEqual([4, 4])
  })
})
