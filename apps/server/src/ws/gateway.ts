/**
 * The `/ws` route: Origin allow-list and authentication before the upgrade (no socket is
 * ever opened for a refused request), an explicit `maxPayload`, listeners attached
 * synchronously, ws-level ping/pong heartbeats that drop dead sockets.
 */
import type { EventEmitter } from 'node:events'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { WebSocket } from 'ws'
import { CLOSE } from '@switchboard/protocol'
import type { SocketAuth } from '../auth/plugin.ts'
import { sendError } from '../errors.ts'
import { ThrottledLog, type Logger } from '../logger.ts'
import type { Socket } from 'node:net'
import type { Engine } from './engine.ts'
import type { Peer } from './peer.ts'
import type { Session } from './session.ts'

export interface GatewayOptions {
  allowedOrigins: readonly string[]
  heartbeatMs: number
}

/**
 * Adapts a `ws` socket to `Peer`. Buffers go out as text frames without a copy; cork/uncork
 * reach `tcp`, the connection the socket was upgraded on, so the frames a session gets in
 * one tick leave in one `writev`.
 */
export function wsPeer(socket: WebSocket, tcp?: Socket): Peer {
  return {
    send(data) {
      if (typeof data === 'string') socket.send(data)
      else socket.send(data, { binary: false })
    },
    get bufferedAmount() {
      return socket.bufferedAmount
    },
    close(code, reason) {
      socket.close(code, reason)
    },
    cork() {
      tcp?.cork()
    },
    uncork() {
      if (tcp && tcp.writableCorked > 0) tcp.uncork()
    },
  }
}

/** ws's code for a frame above `maxPayload` (it closes the socket with 1009 and reports this error). */
const FRAME_TOO_LARGE = 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'
/** Network errors of a socket that went away: nothing an operator can act on. */
const GONE = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED'])
/** At most one warning line per this interval per kind of client fault. */
const CLIENT_FAULT_LOG_MS = 60_000

/**
 * The error handler of `@fastify/websocket` (its default logs every socket error at error level
 * with a stack, and any signed-in client could fill the log with oversized frames). Faults of the
 * client's framing (ws's `WS_ERR_*`: oversized, bad opcode, bad UTF-8 in a close frame…) are one
 * warning line per kind and minute, counting the rest; ws has already started the close (1009,
 * 1002…), so the socket is left to finish it (the FRAME_TOO_LARGE frame queued before the close
 * frame still goes out). A socket that went away is debug. Anything else is our fault: an error
 * line, and the socket is cut.
 */
export function socketErrorHandler(logger: Pick<Logger, 'warn' | 'debug' | 'error'>): (err: Error & { code?: string }, socket: WebSocket) => void {
  const throttled = new Map<string, ThrottledLog>()
  return (err, socket) => {
    const code = typeof err.code === 'string' ? err.code : ''
    if (code.startsWith('WS_ERR_')) {
      let t = throttled.get(code)
      if (!t) throttled.set(code, (t = new ThrottledLog(CLIENT_FAULT_LOG_MS)))
      t.warn(logger, { code, reason: err.message },
        code === FRAME_TOO_LARGE ? 'WebSocket frame above WS_MAX_FRAME_BYTES: socket closed with 1009' : 'malformed WebSocket frame: socket closed')
      return
    }
    if (GONE.has(code)) logger.debug({ code }, 'websocket connection lost')
    else logger.error({ err }, 'websocket handler failed')
    socket.terminate()
  }
}

export function registerGateway(app: FastifyInstance, engine: Engine, opts: GatewayOptions): { stop(): void } {
  const allowed = new Set(opts.allowedOrigins)
  const users = new WeakMap<FastifyRequest, Extract<SocketAuth, { ok: true }>>()
  const alive = new Map<WebSocket, { missed: number; session: Session }>()

  async function gate(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const origin = request.headers.origin
    // Browsers always send Origin on a WebSocket upgrade; non-browser clients (load generator,
    // tests, the Node sync client) do not, and cannot be stopped by Origin checks anyway.
    if (origin !== undefined && !allowed.has(origin)) return sendError(reply, 'ORIGIN_NOT_ALLOWED')
    if (engine.shuttingDown) return sendError(reply, 'SHUTTING_DOWN')
    // The session (a WS token or the cookie), and the per-user socket cap (live authorization).
    const auth = await app.authenticateSocket(request)
    if (!auth.ok) return sendError(reply, auth.code)
    users.set(request, auth)
    return undefined
  }

  app.route({
    method: 'GET',
    url: '/ws',
    onRequest: gate,
    // A plain HTTP request (no upgrade) gets the catalog's answer, not an empty 404.
    handler: async (_request, reply) => sendError(reply, 'ROUTE_NOT_FOUND', 'Open /ws as a WebSocket.'),
    wsHandler: (socket, request) => {
      const auth = users.get(request)
      if (!auth) {
        socket.close(CLOSE.UNAUTHENTICATED, 'UNAUTHENTICATED')
        return
      }
      const session = engine.connect(auth.user, wsPeer(socket, request.raw.socket))
      // An oversized frame: ws closes the socket with 1009 before it reports the error, and its
      // receiver's listener is the one that closes; a listener put ahead of it queues the
      // FRAME_TOO_LARGE error frame first, so the client learns why (pinned by bad-input.pg.test.ts).
      const receiver = (socket as unknown as Record<string, EventEmitter | undefined>)['_receiver']
      receiver?.prependListener('error', (err: { code?: unknown }) => {
        if (err.code === FRAME_TOO_LARGE) {
          session.error('FRAME_TOO_LARGE', { message: `Frames are limited to ${engine.o.maxFrameBytes} bytes (welcome.limits.maxFrameBytes); the socket is closed with 1009.` })
        }
      })
      // Role changes, removal, sign-out and expiry reach this socket from now on.
      const detach = app.liveAuth.attach(session, auth.claims)
      alive.set(socket, { missed: 0, session })
      socket.on('message', (data, isBinary) => engine.frame(session, data as Buffer, isBinary))
      socket.on('pong', () => {
        const a = alive.get(socket)
        if (a) a.missed = 0
      })
      socket.on('close', (code) => {
        engine.metrics.closed(code)
        detach()
        alive.delete(socket)
        engine.disconnect(session)
      })
      socket.on('error', (err) => {
        request.log.debug({ err }, 'websocket error')
      })
    },
  })

  const timer = setInterval(() => {
    for (const [socket, a] of alive) {
      if (a.missed >= 2) {
        alive.delete(socket)
        a.session.closed = true
        socket.terminate()
        continue
      }
      a.missed++
      try {
        socket.ping()
      } catch {
        // closing
      }
    }
  }, opts.heartbeatMs)
  timer.unref()
  return { stop: () => clearInterval(timer) }
}
