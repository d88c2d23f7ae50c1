/**
 * PLACEHOLDER (foundation): the real auth plugin replaces this file. It decorates
 * `app.authenticate(request)`; this stand-in authenticates nobody and registers no routes.
 */
import type { SessionUser } from '@switchboard/protocol'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import type { Store } from '../store/port.ts'

declare module 'fastify' {
  interface FastifyInstance {
    authenticate(request: FastifyRequest): Promise<SessionUser | null>
  }
}

async function auth(app: FastifyInstance, _opts: { config: Config; store: Store }): Promise<void> {
  app.decorate('authenticate', async (_request: FastifyRequest) => null)
}

export default fp(auth, { name: 'auth', fastify: '5.x' })
