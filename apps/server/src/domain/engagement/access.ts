/**
 * Who may do what to an engagement, checked per message.
 *
 * - Nobody sees another account's engagements: the engagement is looked up by
 *   (account, id), so they are NOT_FOUND, never FORBIDDEN (existence is not revealed).
 * - Agents see only engagements they own (`agentId`); others are NOT_FOUND to them.
 * - Supervisors and admins see every engagement of their account.
 * - Writes of SDK facts, notes, help and read receipts: only the engagement's own agent.
 *   A supervisor may read those engagements, so for them it is FORBIDDEN.
 * - Whispers: supervisors and admins only (FORBIDDEN for agents).
 */
import type { ErrorCode } from '@switchboard/protocol'
import type { Actor, Engagement } from './model.ts'

export function isSupervisor(actor: Pick<Actor, 'role'>): boolean {
  return actor.role === 'supervisor' || actor.role === 'admin'
}

export function canRead(actor: Pick<Actor, 'userId' | 'role' | 'accountId'>, e: Pick<Engagement, 'accountId' | 'agentId'>): boolean {
  if (e.accountId !== actor.accountId) return false
  return isSupervisor(actor) || e.agentId === actor.userId
}

/** The error for a write the actor may not make, or null when allowed (ownership rules). */
export function writeDenied(actor: Actor, e: Engagement): ErrorCode | null {
  if (e.agentId === actor.userId && e.accountId === actor.accountId) return null
  return canRead(actor, e) ? 'FORBIDDEN' : 'NOT_FOUND'
}
