/**
 * PLACEHOLDER (foundation): the real-time engine replaces this file. It decorates
 * `app.realtime`; this stand-in has no sockets to close and nothing to count.
 */
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import type { Store } from '../store/port.ts'

export interface Realtime {
  shutdown(): Promise<void>
  stats(): Record<string, number>
}

declare module 'fastify' {
  interface FastifyInstance {
    realtime: Realtime
  }
}

async function realtime(app: FastifyInstance, _opts: { config: Config; store: Store }): Promise<void> {
  const engine: Realtime = { shutdown: async () => {}, stats: () => ({}) }
  app.decorate('realtime', engine)
}

export default fp(realtime, { name: 'realtime', fastify: '5.x', dependencies: ['auth'] })
