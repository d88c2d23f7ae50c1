/** Ops and a store for engine tests that drive the writer or a batch directly (no socket). */
import { randomUUID } from 'node:crypto'
import * as Y from 'yjs'
import type { SessionUser } from '@switchboard/protocol'
import { upsertUser } from '../../src/auth/users.ts'
import { actorOf, type Command } from '../../src/domain/engagement/model.ts'
import { openStore } from '../../src/store/index.ts'
import { migrate } from '../../src/store/migrate.ts'
import type { Store } from '../../src/store/port.ts'
import type { Op, OpAck, OpRefusal, OpSession } from '../../src/ws/ops.ts'
import { silentLogger } from '../store/test-db.ts'

/** An embedded store in memory (PGlite), migrated, with `user` in it. */
export async function openMemoryStore(user: SessionUser): Promise<Store> {
  const store = await openStore({ dataDir: '', logger: silentLogger })
  await migrate(store)
  await upsertUser(store, { accountId: user.accountId, userId: user.id, role: user.role, displayName: user.displayName ?? user.id })
  return store
}

/** Answers the ops of one test sent, in order. */
export type Answer = ({ ok: true } & OpAck) | ({ ok: false } & OpRefusal)

export function opMaker(user: SessionUser, opts: { answers?: Answer[]; session?: OpSession } = {}) {
  const actor = actorOf(user)
  const answers = opts.answers ?? []
  const op = (command: Command, doc?: Uint8Array): Op => {
    const o: Op = {
      opId: randomUUID(), actor, command, receivedAt: Date.now(),
      reply: { ack: (a) => answers.push({ ok: true, ...a }), refuse: (r) => answers.push({ ok: false, ...r }) },
    }
    if (opts.session) o.session = opts.session
    if (doc) o.doc = doc
    return o
  }
  const observe = (engagementId: string): Op => op({
    type: 'engagement.observe', engagementId, at: Date.now(),
    context: { engagementId, startTime: Date.now(), queueId: 'q', queueName: 'Q' }, status: { state: 'active', channel: 'voice' },
  })
  /** A doc.update whose notes are `text` (a fresh client document). */
  const docUpdate = (engagementId: string, text: string): Op => {
    const doc = new Y.Doc()
    doc.getText('notes').insert(0, text)
    const update = Y.encodeStateAsUpdate(doc)
    return op({ type: 'doc.update', engagementId, update: Buffer.from(update).toString('base64') }, update)
  }
  /** A doc.update appending `text` to `doc`'s notes (the client-side document). */
  const type = (engagementId: string, doc: Y.Doc, text: string): Op => {
    const before = Y.encodeStateVector(doc)
    doc.getText('notes').insert(doc.getText('notes').length, text)
    const update = Y.encodeStateAsUpdate(doc, before)
    return op({ type: 'doc.update', engagementId, update: Buffer.from(update).toString('base64') }, update)
  }
  return { actor, answers, op, observe, docUpdate, type }
}
