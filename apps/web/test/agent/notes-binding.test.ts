import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { MAX_INSERT_CHUNK, NotesBinding, type TextField } from '../../src/agent/notes/notes-binding.ts'

/** A text field with the selection semantics of a textarea (setting value clamps the selection). */
class Field implements TextField {
  #value = ''
  selectionStart = 0
  selectionEnd = 0
  selectionDirection: 'forward' | 'backward' | 'none' = 'none'
  get value(): string { return this.#value }
  set value(v: string) {
    this.#value = v
    // Like a textarea: assigning the value moves the caret to the end.
    this.selectionStart = this.selectionEnd = v.length
  }
  setSelectionRange(start: number, end: number, direction: 'forward' | 'backward' | 'none' = 'none'): void {
    this.selectionStart = Math.min(start, this.#value.length)
    this.selectionEnd = Math.min(end, this.#value.length)
    this.selectionDirection = direction
  }
  /** The agent types `text` at the caret (replacing the selection). */
  type(text: string): void {
    const v = this.#value
    const next = v.slice(0, this.selectionStart) + text + v.slice(this.selectionEnd)
    const caret = this.selectionStart + text.length
    this.#value = next
    this.selectionStart = this.selectionEnd = caret
  }
  backspace(): void {
    if (this.selectionStart === this.selectionEnd && this.selectionStart > 0) this.selectionStart--
    this.type('')
  }
}

const LOCAL = Symbol('local')

function sync(from: Y.Doc, to: Y.Doc): void {
  Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)), 'remote')
}

/** Another session, up to date with `doc`, edits the notes; its update then arrives in `doc`. */
function remoteEdit(doc: Y.Doc, edit: (notes: Y.Text) => void): void {
  const other = new Y.Doc()
  sync(doc, other)
  edit(other.getText('notes'))
  sync(other, doc)
}

function setup(initial = '') {
  const doc = new Y.Doc()
  const text = doc.getText('notes')
  if (initial) text.insert(0, initial)
  const field = new Field()
  const binding = new NotesBinding(text, field, { origin: LOCAL })
  return { doc, text, field, binding }
}

describe('NotesBinding', () => {
  it('shows the document text when bound', () => {
    const { field } = setup('existing notes')
    expect(field.value).toBe('existing notes')
  })

  it('turns typing into Yjs edits with the local origin', () => {
    const { doc, text, field, binding } = setup('Caller wants refund')
    const origins: unknown[] = []
    doc.on('update', (_u: Uint8Array, origin: unknown) => origins.push(origin))
    field.setSelectionRange(6, 6)
    field.type(' (Ana)')
    binding.onInput()
    expect(text.toString()).toBe('Caller (Ana) wants refund')
    field.backspace()
    binding.onInput()
    expect(text.toString()).toBe('Caller (Ana wants refund')
    expect(origins).toEqual([LOCAL, LOCAL])
  })

  it('applies a remote edit before the caret without moving the caret off its word', () => {
    const { doc, field, binding } = setup('order 1234 late')
    // Agent's caret is after "1234".
    field.setSelectionRange(10, 10)
    remoteEdit(doc, (notes) => notes.insert(0, 'VIP: '))
    expect(field.value).toBe('VIP: order 1234 late')
    expect(field.selectionStart).toBe(15)
    expect(field.selectionEnd).toBe(15)
    // Typing continues where the agent was.
    field.type('!')
    binding.onInput()
    expect(doc.getText('notes').toString()).toBe('VIP: order 1234! late')
  })

  it('keeps a selection on the same text when a remote edit deletes before it', () => {
    const { doc, field } = setup('alpha beta gamma')
    field.setSelectionRange(11, 16, 'backward') // "gamma"
    remoteEdit(doc, (notes) => notes.delete(0, 6)) // "alpha "
    expect(field.value).toBe('beta gamma')
    expect(field.value.slice(field.selectionStart, field.selectionEnd)).toBe('gamma')
    expect(field.selectionDirection).toBe('backward')
  })

  it('leaves the caret alone when the remote edit is after it', () => {
    const { doc, field } = setup('first line')
    field.setSelectionRange(5, 5)
    remoteEdit(doc, (notes) => notes.insert(10, '\nsecond line'))
    expect(field.value).toBe('first line\nsecond line')
    expect(field.selectionStart).toBe(5)
  })

  it('merges concurrent typing from two sessions without loss', () => {
    const a = setup('')
    const b = { doc: new Y.Doc(), field: new Field() }
    const bBinding = new NotesBinding(b.doc.getText('notes'), b.field, { origin: LOCAL })
    a.field.type('from A. ')
    a.binding.onInput()
    b.field.type('from B. ')
    bBinding.onInput()
    sync(a.doc, b.doc)
    sync(b.doc, a.doc)
    expect(a.field.value).toBe(b.field.value)
    expect(a.field.value).toContain('from A. ')
    expect(a.field.value).toContain('from B. ')
  })

  it('splits a large paste into several updates', () => {
    const { doc, text, field, binding } = setup('x')
    let updates = 0
    doc.on('update', () => updates++)
    field.setSelectionRange(0, 1)
    field.type('p'.repeat(MAX_INSERT_CHUNK * 2 + 10))
    binding.onInput()
    expect(text.toString()).toBe(field.value)
    expect(updates).toBe(3)
  })

  it('stops following the document after destroy', () => {
    const { doc, field, binding } = setup('keep')
    binding.destroy()
    doc.getText('notes').insert(0, 'later ')
    expect(field.value).toBe('keep')
  })
})
