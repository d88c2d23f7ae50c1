import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { DocCache, HotDoc } from '../../src/domain/notes/doc-cache.ts'
import { mergeToState, parseUpdate, plainText, previewOf, wrapupOf } from '../../src/domain/notes/doc.ts'

const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64')

describe('notes document', () => {
  it('accepts well-formed updates of the documented shape', () => {
    const doc = new Y.Doc()
    doc.getText('notes').insert(0, 'hello\nworld\n\n')
    const w = doc.getMap('wrapup')
    w.set('disposition', 'Resolved')
    w.set('summary', 'done')
    const tags = new Y.Array<string>()
    tags.push(['vip', 'refund'])
    w.set('tags', tags)
    const update = Y.encodeStateAsUpdate(doc)
    const parsed = parseUpdate(b64(update))
    expect(parsed).not.toBeNull()
    const copy = new Y.Doc()
    Y.applyUpdate(copy, parsed!)
    expect(plainText(copy)).toBe('hello\nworld\n\n')
    expect(wrapupOf(copy)).toEqual({ disposition: 'Resolved', summary: 'done', tags: ['vip', 'refund'] })
    expect(previewOf(plainText(copy))).toBe('world')
  })

  it('rejects garbage and other root types', () => {
    expect(parseUpdate(b64(Buffer.from('hello world')))).toBeNull()
    expect(parseUpdate(b64(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9])))).toBeNull()
    expect(parseUpdate('')).toBeNull()
    const doc = new Y.Doc()
    doc.getText('secret').insert(0, 'x')
    expect(parseUpdate(b64(Y.encodeStateAsUpdate(doc)))).toBeNull()
  })

  it('merges a snapshot and newer updates into one state, whatever the order', () => {
    const a = new Y.Doc()
    a.getText('notes').insert(0, 'abc')
    const u1 = Y.encodeStateAsUpdate(a)
    const sv = Y.encodeStateVector(a)
    a.getText('notes').insert(3, 'def')
    const u2 = Y.encodeStateAsUpdate(a, sv)
    for (const parts of [[u1, u2], [u2, u1], [u1, u2, u1]]) {
      const d = new Y.Doc()
      Y.applyUpdate(d, mergeToState(parts))
      expect(plainText(d)).toBe('abcdef')
    }
  })

  it('bounds hot documents with an LRU', () => {
    const cache = new DocCache(2)
    cache.set('a', new HotDoc())
    cache.set('b', new HotDoc())
    cache.get('a')
    cache.set('c', new HotDoc())
    expect(cache.get('b')).toBeUndefined()
    expect(cache.get('a')).toBeDefined()
    expect(cache.size).toBe(2)
  })

  it('previews the last non-empty line, bounded', () => {
    expect(previewOf('')).toBe('')
    expect(previewOf('one\n  two  \n \n')).toBe('two')
    expect(previewOf('x'.repeat(500)).length).toBe(200)
  })
})
