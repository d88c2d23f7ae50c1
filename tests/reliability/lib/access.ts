/**
 * Who is who in the access matrix, and what each caller may do to each target according to the
 * documented rules (docs/architecture.md "Deduplication and ownership", docs/protocol.md):
 *   - another account's engagement does not exist for you (NOT_FOUND), except that observing an
 *     id unknown in your account creates your own engagement there (nothing of theirs changes);
 *   - agents see and write only engagements they own (someone else's: NOT_FOUND);
 *   - supervisors and admins read every engagement of their account, but the agent's facts,
 *     notes, help and read receipts are the owner's to write (FORBIDDEN);
 *   - whispers and boards are for supervisors and admins (FORBIDDEN for agents).
 */
import type { ErrorCode } from '@switchboard/protocol'
import type { Identity } from './raw-client.ts'

export const ACC1 = 'acc-am-1'
export const ACC2 = 'acc-am-2'

export const PEOPLE = {
  agent: { accountId: ACC1, userId: 'am-agent', role: 'agent' },
  colleague: { accountId: ACC1, userId: 'am-colleague', role: 'agent' },
  supervisor: { accountId: ACC1, userId: 'am-sup', role: 'supervisor' },
  admin: { accountId: ACC1, userId: 'am-admin', role: 'admin' },
  foreignSupervisor: { accountId: ACC2, userId: 'am-sup2', role: 'supervisor' },
  /** owns the other account's engagements; not a caller */
  foreignAgent: { accountId: ACC2, userId: 'am-agent2', role: 'agent' },
} as const satisfies Record<string, Identity>

export const CALLERS = ['anonymous', 'agent', 'colleague', 'supervisor', 'admin', 'foreignSupervisor'] as const
export type Caller = (typeof CALLERS)[number]
export type SignedIn = Exclude<Caller, 'anonymous'>

/** Targets from the agent's point of view: their own engagement, a colleague's, another account's. */
export const TARGETS = { own: 'agent', colleague: 'colleague', foreign: 'foreignAgent' } as const
export type Target = keyof typeof TARGETS

export type Outcome = 'ack' | 'snapshot' | 'silent' | ErrorCode

const isSupervisor = (c: SignedIn) => PEOPLE[c].role !== 'agent'

export function expectedWs(type: string, caller: SignedIn, target: Target): Outcome {
  const me = PEOPLE[caller]
  const owner = PEOPLE[TARGETS[target]]
  const sameAccount = me.accountId === owner.accountId
  const isOwner = sameAccount && me.userId === owner.userId
  const canRead = sameAccount && (isOwner || isSupervisor(caller))
  switch (type) {
    case 'subscribe':
      return canRead ? 'snapshot' : 'NOT_FOUND'
    case 'unsubscribe':
      return 'silent'
    case 'whisper.send':
      if (!isSupervisor(caller)) return 'FORBIDDEN'
      return sameAccount ? 'ack' : 'NOT_FOUND'
    case 'engagement.observe':
      // Unknown id in the caller's account: a new engagement of the caller's (theirs is untouched).
      if (!sameAccount) return 'ack'
      if (isOwner) return 'ack'
      return canRead ? 'FORBIDDEN' : 'NOT_FOUND'
    default:
      if (isOwner) return 'ack'
      return canRead ? 'FORBIDDEN' : 'NOT_FOUND'
  }
}

export function expectedBoard(caller: SignedIn): Outcome {
  return isSupervisor(caller) ? 'snapshot' : 'FORBIDDEN'
}
