/**
 * User administration for an account's admins: list users, change a role, remove a user.
 * Everything is scoped by the caller's account, taken from the session. A change reaches the
 * user's open sockets on every node through the bus (live.ts), published in the same transaction.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Role, SessionUser } from '@switchboard/protocol'
import { RoleChangeRequest, UserParams } from '@switchboard/protocol/rest'
import type { Tx } from '../store/port.ts'
import { sendError } from './http.ts'
import type { RouteDeps } from './routes-session.ts'
import { authenticateRequest } from './session.ts'
import { deleteUser, listUsers, setRole, type UserRecord } from './users.ts'

function summary(u: UserRecord) {
  return { id: u.id, accountId: u.accountId, role: u.role, displayName: u.displayName, lastSeenAt: u.lastSeenAt }
}

/** Locks the account's admins; true when `userId` is the only one (and so must stay an admin). */
async function isLastAdmin(tx: Tx, accountId: string, userId: string): Promise<boolean> {
  const admins = await tx.query<{ id: string }>(
    `select id from users where account_id = $1 and role = 'admin' for update`,
    [accountId],
  )
  return admins.rows.length === 1 && admins.rows[0]!.id === userId
}

export async function adminRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { store, settings, live, now } = deps

  async function requireAdmin(request: FastifyRequest, reply: FastifyReply): Promise<SessionUser | null> {
    const auth = await authenticateRequest(store, settings, request, now())
    if (!auth.ok) {
      await sendError(reply, auth.code)
      return null
    }
    if (auth.user.role !== 'admin') {
      await sendError(reply, 'FORBIDDEN')
      return null
    }
    return auth.user
  }

  app.get('/api/admin/users', async (request, reply) => {
    const admin = await requireAdmin(request, reply)
    if (!admin) return reply
    const users = await listUsers(store, admin.accountId)
    return { items: users.map(summary) }
  })

  app.put<{ Params: UserParams; Body: RoleChangeRequest }>('/api/admin/users/:userId/role', {
    schema: { params: UserParams, body: RoleChangeRequest },
  }, async (request, reply) => {
    const admin = await requireAdmin(request, reply)
    if (!admin) return reply
    const { userId } = request.params
    const { role } = request.body
    // Locking the admins first means two concurrent demotions cannot remove the last one.
    const result = await store.transaction(async (tx) => {
      if (role !== 'admin' && await isLastAdmin(tx, admin.accountId, userId)) return 'LAST_ADMIN' as const
      const updated = await setRole(tx, admin.accountId, userId, role)
      if (updated) await live.publish(tx, { t: 'role', a: admin.accountId, u: userId, r: role as Role })
      return updated
    })
    if (result === 'LAST_ADMIN') return sendError(reply, 'CONFLICT', 'An account needs at least one admin.')
    if (!result) return sendError(reply, 'NOT_FOUND', 'No such user in your account.')
    request.log.info({ role }, 'role changed')
    return { user: summary(result) }
  })

  app.delete<{ Params: UserParams }>('/api/admin/users/:userId', {
    schema: { params: UserParams },
  }, async (request, reply) => {
    const admin = await requireAdmin(request, reply)
    if (!admin) return reply
    const { userId } = request.params
    const result = await store.transaction(async (tx) => {
      if (await isLastAdmin(tx, admin.accountId, userId)) return 'LAST_ADMIN' as const
      const removed = await deleteUser(tx, admin.accountId, userId)
      if (removed) await live.publish(tx, { t: 'role', a: admin.accountId, u: userId, r: null })
      return removed
    })
    if (result === 'LAST_ADMIN') return sendError(reply, 'CONFLICT', 'An account needs at least one admin.')
    if (!result) return sendError(reply, 'NOT_FOUND', 'No such user in your account.')
    request.log.info('user removed')
    return reply.code(204).send()
  })
}
