/**
 * Turning a textarea's new value into one Yjs edit, and moving a selection through a remote edit.
 * Indices are UTF-16 code units, the unit both the DOM and Y.Text use.
 */

/** One contiguous replacement: at `index`, remove `remove` code units and insert `insert`. */
export interface TextChange {
  index: number
  remove: number
  insert: string
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff
}

/**
 * The single replacement that turns `before` into `after`. `cursor` (the caret after the edit)
 * breaks ties in repeated text, so typing "a" inside "aa" is recorded where the agent typed it —
 * that matters when edits from two sessions merge. Never splits a surrogate pair.
 */
export function diffText(before: string, after: string, cursor?: number | null): TextChange | null {
  if (before === after) return null
  const grow = Math.max(0, after.length - before.length)
  let maxPrefix = Math.min(before.length, after.length)
  if (cursor != null && Number.isFinite(cursor)) maxPrefix = Math.max(0, Math.min(maxPrefix, cursor - grow))
  let start = 0
  while (start < maxPrefix && before.charCodeAt(start) === after.charCodeAt(start)) start++
  if (start > 0 && isHighSurrogate(before.charCodeAt(start - 1))) start--

  let endBefore = before.length
  let endAfter = after.length
  while (endBefore > start && endAfter > start && before.charCodeAt(endBefore - 1) === after.charCodeAt(endAfter - 1)) {
    endBefore--
    endAfter--
  }
  if (endBefore < before.length && isLowSurrogate(before.charCodeAt(endBefore))) {
    endBefore++
    endAfter++
  }
  return { index: start, remove: endBefore - start, insert: after.slice(start, endAfter) }
}

/** Yjs `event.delta` entries for text. */
export type TextDelta = ReadonlyArray<{ insert?: unknown; retain?: number; delete?: number }>

function insertLength(insert: unknown): number {
  return typeof insert === 'string' ? insert.length : 1
}

/**
 * Where position `pos` (in the text before the change) ends up after the change `delta`.
 * `stickRight`: an insertion exactly at `pos` lands before it (the position moves right);
 * otherwise the position stays before the inserted text. A position inside deleted text moves
 * to where the deletion happened.
 */
export function transformPosition(pos: number, delta: TextDelta, stickRight = false): number {
  let oldI = 0
  let newI = 0
  for (const op of delta) {
    if (op.retain != null) {
      if (pos < oldI + op.retain) return newI + (pos - oldI)
      oldI += op.retain
      newI += op.retain
    } else if (op.insert != null) {
      if (pos === oldI && !stickRight) return newI
      newI += insertLength(op.insert)
    } else if (op.delete != null) {
      if (pos < oldI + op.delete) return newI
      oldI += op.delete
    }
  }
  return newI + (pos - oldI)
}

/**
 * A selection after a remote change. Insertions at the edges of a range do not widen it, and a
 * collapsed caret stays in front of text another session inserts right at it.
 */
export function transformSelection(start: number, end: number, delta: TextDelta): [number, number] {
  if (start === end) {
    const p = transformPosition(start, delta, false)
    return [p, p]
  }
  const s = transformPosition(start, delta, true)
  const e = transformPosition(end, delta, false)
  return [s, Math.max(s, e)]
}
