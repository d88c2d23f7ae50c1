/**
 * User administration for an account's admins: list users, change a role.
 * Everything is scoped by the caller's account, taken from the session.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { SessionUser } from '@switchboard/protocol'
import { RoleChangeRequest, UserParams } from '@switchboard/protocol/rest'
import { sendError } from './http.ts'
import type { RouteDeps } from './routes-session.ts'
import { authenticateRequest } from './session.ts'
import { listUsers, setRole, type UserRecord } from './users.ts'

function summary(u: UserRecord) {
  return { id: u.id, accountId: u.accountId, role: u.role, displayName: u.displayName, lastSeenAt: u.lastSeenAt }
}

export async function adminRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const { store, settings, now } = deps

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
    const result = await store.transaction(async (tx) => {
      // Lock the account's admins so two concurrent demotions cannot remove the last one.
      const admins = await tx.query<{ id: string }>(
        `select id from users where account_id = $1 and role = 'admin' for update`,
        [admin.accountId],
      )
      const isAdmin = admins.rows.some((r) => r.id === userId)
      if (isAdmin && role !== 'admin' && admins.rows.length === 1) return 'LAST_ADMIN' as const
      return setRole(tx, admin.accountId, userId, role)
    })
    if (result === 'LAST_ADMIN') return sendError(reply, 'CONFLICT', 'An account needs at least one admin.')
    if (!result) return sendError(reply, 'NOT_FOUND', 'No such user in your account.')
    request.log.info({ target: userId, role }, 'role changed')
    return { user: summary(result) }
  })
}
