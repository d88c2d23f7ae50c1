/**
 * Two-way binding between a plain text field (a `<textarea>`) and a `Y.Text`.
 *
 * Local input: the field's new value is diffed against the Y.Text (they are equal between
 * events) and applied as one Yjs edit with `origin`. Remote changes (any other origin): the field
 * gets the new text and the agent's selection is moved through the change's delta, so the caret
 * does not jump while someone else edits.
 */
import type * as Y from 'yjs'
import { diffText, transformSelection } from './text-diff.ts'

/** What the binding needs of a text field; `HTMLTextAreaElement` satisfies it. */
export interface TextField {
  value: string
  readonly selectionStart: number | null
  readonly selectionEnd: number | null
  readonly selectionDirection?: 'forward' | 'backward' | 'none' | null
  setSelectionRange(start: number, end: number, direction?: 'forward' | 'backward' | 'none'): void
}

/** Large pastes are split so no single Yjs update gets near the per-op size cap. */
export const MAX_INSERT_CHUNK = 8000

export class NotesBinding {
  readonly #text: Y.Text
  readonly #field: TextField
  readonly #origin: unknown
  readonly #hasFocus: () => boolean
  readonly #observer: (event: Y.YTextEvent, tr: Y.Transaction) => void

  constructor(text: Y.Text, field: TextField, opts: { origin: unknown; hasFocus?: () => boolean }) {
    this.#text = text
    this.#field = field
    this.#origin = opts.origin
    this.#hasFocus = opts.hasFocus ?? (() => true)
    this.#observer = (event, tr) => {
      if (tr.origin === this.#origin) return
      this.#renderRemote(event)
    }
    field.value = text.toString()
    text.observe(this.#observer)
  }

  /** Call on the field's `input` event. */
  onInput(): void {
    const before = this.#text.toString()
    const after = this.#field.value
    const change = diffText(before, after, this.#field.selectionEnd)
    if (!change) return
    const doc = this.#text.doc
    const apply = (fn: () => void): void => { if (doc) doc.transact(fn, this.#origin); else fn() }
    const { insert, index, remove } = change
    // A large paste goes in several transactions (several updates), each under the size cap.
    const chunkEnd = (from: number): number => {
      let to = Math.min(insert.length, from + MAX_INSERT_CHUNK)
      const last = insert.charCodeAt(to - 1)
      if (to < insert.length && last >= 0xd800 && last <= 0xdbff) to--
      return to
    }
    let offset = chunkEnd(0)
    apply(() => {
      if (remove > 0) this.#text.delete(index, remove)
      if (offset > 0) this.#text.insert(index, insert.slice(0, offset))
    })
    while (offset < insert.length) {
      const from = offset
      const to = chunkEnd(from)
      apply(() => this.#text.insert(index + from, insert.slice(from, to)))
      offset = to
    }
  }

  destroy(): void {
    this.#text.unobserve(this.#observer)
  }

  #renderRemote(event: Y.YTextEvent): void {
    const f = this.#field
    const next = this.#text.toString()
    if (f.value === next) return
    const focused = this.#hasFocus()
    const start = f.selectionStart ?? 0
    const end = f.selectionEnd ?? start
    const direction = f.selectionDirection ?? undefined
    f.value = next
    if (focused) {
      const [s, e] = transformSelection(start, end, event.delta as never)
      f.setSelectionRange(s, e, direction === null ? undefined : direction)
    }
  }
}
