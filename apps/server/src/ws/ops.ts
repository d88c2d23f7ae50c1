/**
 * The write pipeline's entry port. An op is a command on one engagement, the actor it acts for
 * and where its answer goes; the writer, the domain rules (`decide`/`evolve`) and the fan-out
 * treat every source alike. A socket session is one source (it is its own `ReplySink`); a Zoom
 * webhook receiver is another: it builds ops with `source: 'webhook'` and awaits `submitOp`.
 *
 * Answers: `ack` once the op's row is committed (or, `duplicate`, when the op id or the fact was
 * already in the log: the first row's seq, nothing written); `refuse` when it wrote nothing
 * (`UNAVAILABLE`/`SHUTTING_DOWN` with `retryAfterMs` are worth retrying with the same op id).
 */
import type { ErrorCode } from '@switchboard/protocol'
import type { Actor, Command } from '../domain/engagement/model.ts'
import { parseUpdate } from '../domain/notes/doc.ts'

export type { Actor, ActorSource, Command } from '../domain/engagement/model.ts'

export interface OpAck {
  opId: string
  engagementId: string
  seq: number
  duplicate: boolean
}

export interface OpRefusal {
  opId: string
  engagementId: string
  code: ErrorCode
  retryAfterMs?: number
  message?: string
}

/** Where an op's answer goes: a socket session, or a promise (`submitOp`). Called once per op. */
export interface ReplySink {
  ack(ack: OpAck): void
  refuse(refusal: OpRefusal): void
}

/**
 * The session an op came from, when it came from a socket: focus is per session (and written to
 * its presence row), and a session is not sent its own rows (its ack carries the seq).
 */
export interface OpSession {
  readonly id: string
  readonly clientId: string | null
  focus: string | null
}

export interface Op {
  /** unique per actor (the log keeps `(account, actor, opId)` unique): a repeat is answered from the log */
  opId: string
  actor: Actor
  command: Command
  reply: ReplySink
  session?: OpSession
  /** the decoded Yjs update of a `doc.update`, decoded once where the op entered */
  doc?: Uint8Array
  receivedAt: number
}

/** Something that takes ops: the engine (`Engine.submit`), or the writer behind it. */
export interface OpSink {
  submit(op: Op): void
}

export type OpOutcome = ({ ok: true } & OpAck) | ({ ok: false } & OpRefusal)

/**
 * Submits an op from a caller without a socket and resolves with its answer (never rejects).
 * A `doc.update` is decoded and checked here, as the socket edge does.
 */
export function submitOp(sink: OpSink, input: { opId: string; actor: Actor; command: Command }): Promise<OpOutcome> {
  return new Promise((resolve) => {
    const { opId, actor, command } = input
    const op: Op = {
      opId, actor, command, receivedAt: Date.now(),
      reply: { ack: (a) => resolve({ ok: true, ...a }), refuse: (r) => resolve({ ok: false, ...r }) },
    }
    if (command.type === 'doc.update') {
      const doc = parseUpdate(command.update)
      if (!doc) {
        resolve({ ok: false, opId, engagementId: command.engagementId, code: 'BAD_MESSAGE', message: 'update is not a valid notes document update' })
        return
      }
      op.doc = doc
    }
    sink.submit(op)
  })
}
