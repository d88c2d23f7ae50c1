/** Ops for engine tests that drive the writer directly. */
import { randomUUID } from 'node:crypto'
import * as Y from 'yjs'
import type { Command } from '../../src/domain/engagement/model.ts'
import type { PendingOp } from '../../src/ws/batch.ts'
import type { Session } from '../../src/ws/session.ts'

/** A doc.update whose notes are `text` (a fresh client document). */
export function docUpdateOp(session: Session, engagementId: string, text: string): PendingOp {
  const doc = new Y.Doc()
  doc.getText('notes').insert(0, text)
  const update = Y.encodeStateAsUpdate(doc)
  return {
    session, opId: randomUUID(), receivedAt: Date.now(), doc: update,
    cmd: { type: 'doc.update', engagementId, update: Buffer.from(update).toString('base64') } as Command,
  }
}
