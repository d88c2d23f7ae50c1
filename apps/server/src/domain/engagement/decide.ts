/**
 * decide(command, state) -> events: the rules of one client op against the current
 * projection. Pure: the clock and actor come in; nothing is read or written here.
 *
 * An op that would change nothing (the same SDK fact reported again by another session of
 * the agent, or repeated by Zoom without a timestamp) decides no events: it is a duplicate.
 * Exact repeats of a timestamped Zoom event are caught by `dedupKey` against the log.
 *
 * Ownership of transferred engagements: the first `engagement.observe` creates the
 * engagement owned by the observer. A later observe by another agent of the same account
 * takes ownership only when it is evidence of a transfer to them: the status names them as
 * `assignedAgentId`, or the context says `isTransfer`. Otherwise it is refused like any
 * write to someone else's engagement.
 */
import { canRead, isSupervisor, writeDenied } from './access.ts'
import { dedupKey } from './dedup.ts'
import { evolve, projectionKey } from './evolve.ts'
import type { Command, DecideInput, Decision, Engagement, NewEvent } from './model.ts'
import { decideZoom } from './zoom-rules.ts'

export type { DecideInput, Decision } from './model.ts'

const NONE: Decision = { ok: true, events: [] }

export function decide(cmd: Command, input: DecideInput): Decision {
  if (input.actor.source === 'sdk') return decideApp(cmd, input)
  // Facts Zoom reported (webhooks, REST) have rules of their own (zoom-rules.ts). Anything else
  // (notes, help, focus, whispers) belongs to people in the app: refused as the app's rules
  // would refuse it, and FORBIDDEN where they would allow it.
  const zoom = decideZoom(cmd, input)
  if (zoom) return zoom
  const asApp = decideApp(cmd, input)
  return asApp.ok ? { ok: false, code: 'FORBIDDEN' } : asApp
}

function decideApp(cmd: Command, input: DecideInput): Decision {
  const { engagement: e, actor, now } = input
  if (cmd.type === 'engagement.observe') return decideObserve(cmd, input)
  if (!e || e.accountId !== actor.accountId) return { ok: false, code: 'NOT_FOUND' }

  if (cmd.type === 'whisper.send') {
    if (!canRead(actor, e)) return { ok: false, code: 'NOT_FOUND' }
    if (!isSupervisor(actor)) return { ok: false, code: 'FORBIDDEN' }
    return { ok: true, events: [{ kind: 'whisper', dedupKey: null, data: { text: cmd.text, fromId: actor.userId, fromName: actor.displayName } }] }
  }

  const denied = writeDenied(actor, e)
  if (denied) return { ok: false, code: denied }

  switch (cmd.type) {
    case 'engagement.status': {
      const ev: NewEvent = {
        kind: 'status',
        data: cmd.zoomTimestamp === undefined ? { changes: cmd.changes } : { changes: cmd.changes, zoomTimestamp: cmd.zoomTimestamp },
        dedupKey: cmd.zoomTimestamp === undefined ? null : dedupKey(e.id, 'status', cmd.changes, cmd.zoomTimestamp),
      }
      return changes(e, ev, now) ? { ok: true, events: [ev] } : NONE
    }
    case 'engagement.variables': {
      const ev: NewEvent = {
        kind: 'variables',
        data: { variables: cmd.variables },
        dedupKey: cmd.zoomTimestamp === undefined ? null : dedupKey(e.id, 'variables', cmd.variables, cmd.zoomTimestamp),
      }
      return changes(e, ev, now) ? { ok: true, events: [ev] } : NONE
    }
    case 'engagement.focus': {
      // Focus is what one session shows: without a session there is nothing to focus.
      const s = input.session
      if (!s?.clientId) return { ok: false, code: 'BAD_MESSAGE' }
      if (s.focus === e.id) return NONE
      return { ok: true, events: [{ kind: 'focus', dedupKey: null, data: { clientId: s.clientId } }] }
    }
    case 'doc.update':
      return { ok: true, events: [{ kind: 'doc', dedupKey: null, data: {}, update: cmd.update }] }
    case 'help.set': {
      const ev: NewEvent = { kind: 'help', dedupKey: null, data: cmd.note === undefined ? { raised: cmd.raised } : { raised: cmd.raised, note: cmd.note } }
      if (!cmd.raised && !e.help) return NONE
      if (cmd.raised && e.help && (e.help.note ?? undefined) === cmd.note) return NONE
      return { ok: true, events: [ev] }
    }
    case 'whisper.read':
      if (cmd.whisperSeq > e.lastSeq) return { ok: false, code: 'NOT_FOUND' }
      return { ok: true, events: [{ kind: 'whisper.read', data: { whisperSeq: cmd.whisperSeq }, dedupKey: dedupKey(e.id, 'whisper.read', cmd.whisperSeq) }] }
  }
}

function decideObserve(cmd: Extract<Command, { type: 'engagement.observe' }>, input: DecideInput): Decision {
  const { engagement: e, actor, now } = input
  const data: Record<string, unknown> = { context: cmd.context }
  if (cmd.status) data['status'] = cmd.status
  if (!e) return { ok: true, creates: true, events: [{ kind: 'context', data, dedupKey: null }] }
  if (e.accountId !== actor.accountId) return { ok: false, code: 'NOT_FOUND' }
  if (e.agentId !== actor.userId) {
    const transferredToMe = cmd.status?.assignedAgentId === actor.userId || cmd.context.isTransfer === true
    if (!transferredToMe) return { ok: false, code: canRead(actor, e) ? 'FORBIDDEN' : 'NOT_FOUND' }
    data['takeover'] = { fromAgentId: e.agentId }
    return { ok: true, takeover: true, events: [{ kind: 'context', data, dedupKey: null }] }
  }
  const ev: NewEvent = { kind: 'context', data, dedupKey: null }
  return changes(e, ev, now) ? { ok: true, events: [ev] } : NONE
}

function changes(e: Engagement, ev: NewEvent, now: number): boolean {
  const next = evolve(e, { ...ev, seq: e.lastSeq + 1, actorId: e.agentId, at: now })
  return projectionKey(next) !== projectionKey(e)
}
