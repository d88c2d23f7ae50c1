/**
 * The notes document of one engagement (a Yjs `Y.Doc`):
 *   - `Y.Text('notes')`: the notes text
 *   - `Y.Map('wrapup')`: `disposition` (string), `tags` (Y.Array<string> or string[]), `summary` (string)
 * Nothing else may live at the root: updates creating other root types are rejected.
 */
import * as Y from 'yjs'
import type { Wrapup } from '@switchboard/protocol'

export const NOTES_TEXT = 'notes'
export const WRAPUP_MAP = 'wrapup'
const ROOTS = new Set([NOTES_TEXT, WRAPUP_MAP])
/**
 * Server-side scratch documents get a fixed guid: without one, `new Y.Doc()` makes a random
 * uuid with one `getRandomValues` call per hex digit (17 % of server CPU under load).
 */
export const DOC_GUID = 'notes'

/** A scratch document (validation, merging): cheap to create. */
export function scratchDoc(gc = true): Y.Doc {
  return new Y.Doc({ guid: DOC_GUID, gc })
}

const TEXT_CONTENT = [Y.ContentString, Y.ContentFormat, Y.ContentEmbed, Y.ContentDeleted]

/**
 * A root's type is not in the update, only in how readers open it: `notes` is a Y.Text (text
 * content, no keys) and `wrapup` a Y.Map (every item keyed). Anything else would leave a document
 * readers cannot open, so it is refused.
 */
function rootItemFits(root: string, item: Y.Item): boolean {
  if (root === NOTES_TEXT) return item.parentSub === null && TEXT_CONTENT.some((C) => item.content instanceof C)
  return typeof item.parentSub === 'string'
}

/**
 * Decodes and checks a base64 Yjs update; null when it is not a well-formed update for this doc
 * shape. The one decode before the update is applied: its structs are read once here (every
 * root item checked), and the bytes are applied once to the engagement's hot document in the
 * batch. No scratch document: applying an incremental update to an empty one proves nothing
 * (it only parks as pending) and cost a document, a random client id and a re-encode per op.
 * An update that decodes but still fails to apply fails its batch, which is retried op by op:
 * that op alone is refused and the document reloads from the log.
 */
export function parseUpdate(b64: string): Uint8Array | null {
  const bytes = Buffer.from(b64, 'base64')
  if (bytes.length < 2) return null
  try {
    const decoded = Y.decodeUpdate(bytes)
    for (const s of decoded.structs) {
      const parent = (s as { parent?: unknown }).parent
      if (typeof parent !== 'string') continue
      if (!ROOTS.has(parent) || !(s instanceof Y.Item) || !rootItemFits(parent, s)) return null
    }
  } catch {
    return null
  }
  return bytes
}

export function plainText(doc: Y.Doc): string {
  try {
    return doc.getText(NOTES_TEXT).toString()
  } catch {
    return ''
  }
}

export function wrapupOf(doc: Y.Doc): Wrapup {
  let m: Y.Map<unknown>
  try {
    m = doc.getMap(WRAPUP_MAP)
  } catch {
    return {}
  }
  const out: Wrapup = {}
  const d = m.get('disposition')
  if (typeof d === 'string') out.disposition = d
  const s = m.get('summary')
  if (typeof s === 'string') out.summary = s
  const t = m.get('tags')
  const tags = t instanceof Y.Array ? t.toArray() : Array.isArray(t) ? t : null
  if (tags) out.tags = tags.filter((x): x is string => typeof x === 'string')
  return out
}

/** The last non-empty line of the notes, for boards (bounded). */
export function previewOf(text: string, max = 200): string {
  const lines = text.split('\n')
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim()
    if (line) return line.length > max ? `${line.slice(0, max - 1)}…` : line
  }
  return ''
}

/** One merged update for a snapshot plus newer updates (what a subscriber gets). */
export function mergeToState(parts: Uint8Array[]): Uint8Array {
  const doc = scratchDoc()
  for (const p of parts) Y.applyUpdate(doc, p)
  return Y.encodeStateAsUpdate(doc)
}
