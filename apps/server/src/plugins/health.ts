/**
 * `/healthz`: the process is alive. `/readyz`: the database answers and every migration is applied,
 * and the node is not shutting down; 503 with a catalog code otherwise (load balancers stop routing).
 */
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { sendError } from '../errors.ts'
import { pendingMigrations } from '../store/migrate.ts'
import type { Store } from '../store/port.ts'

const READY_DEADLINE_MS = 2_000

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([work, late]).finally(() => clearTimeout(timer))
}

async function health(app: FastifyInstance, opts: { store: Store }): Promise<void> {
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })

  app.get('/healthz', async () => ({ status: 'ok' }))

  app.get('/readyz', async (request, reply) => {
    if (closing) return sendError(reply, 'SHUTTING_DOWN')
    try {
      // A partitioned database must not hang the probe: answer within READY_DEADLINE_MS.
      await withDeadline(opts.store.ping(), READY_DEADLINE_MS)
    } catch (err) {
      request.log.warn({ err }, 'readiness: database unreachable')
      return sendError(reply, 'NOT_READY', 'The database is unreachable.')
    }
    let pending: string[]
    try {
      pending = (await withDeadline(pendingMigrations(opts.store), READY_DEADLINE_MS)).map((m) => m.name)
    } catch (err) {
      request.log.warn({ err }, 'readiness: cannot read migrations')
      return sendError(reply, 'NOT_READY', 'The migration state cannot be read.')
    }
    if (pending.length > 0) {
      return sendError(reply, 'NOT_READY', 'Database migrations are pending.', { pendingMigrations: pending })
    }
    return { status: 'ready' }
  })
}

export default fp(health, { name: 'health', fastify: '5.x' })
