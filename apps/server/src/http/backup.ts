/**
 * A consistent copy of the embedded database while the server runs (PGlite mode only).
 * PGlite is one process holding one connection, so no other process may open its files while
 * the server runs; the copy is taken inside the server, between statements, by `npm run backup`
 * calling `GET /api/backup` with the token the server writes to `DATA_DIR/backup-endpoint.json`
 * (mode 0600: whoever can read DATA_DIR can copy the data anyway). The file also tells the
 * script the server is running, so it never opens the database beside it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { sendError } from '../errors.ts'
import type { Store } from '../store/port.ts'

export const BACKUP_ENDPOINT_FILE = 'backup-endpoint.json'

export async function backupRoutes(app: FastifyInstance, opts: { store: Store; dataDir: string }): Promise<void> {
  const { store, dataDir } = opts
  const dump = store.dumpDataDir?.bind(store)
  if (!dump) return
  const token = randomBytes(32).toString('hex')
  const expected = Buffer.from(`Bearer ${token}`)
  const file = join(dataDir, BACKUP_ENDPOINT_FILE)

  app.get('/api/backup', async (request, reply) => {
    const given = Buffer.from(request.headers.authorization ?? '')
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return sendError(reply, 'UNAUTHENTICATED', `Run npm run backup on this machine (it reads the token from DATA_DIR/${BACKUP_ENDPOINT_FILE}).`)
    }
    const started = Date.now()
    const blob = await dump()
    request.log.info({ bytes: blob.size, ms: Date.now() - started }, 'database backup taken')
    reply.header('content-type', 'application/gzip')
    reply.header('cache-control', 'no-store')
    return reply.send(Buffer.from(await blob.arrayBuffer()))
  })

  app.addHook('onListen', async () => {
    const addr = app.server.address()
    if (!addr || typeof addr === 'string') return
    const host = addr.family === 'IPv6' ? `[${addr.address === '::' ? '::1' : addr.address}]` : addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address
    try {
      writeFileSync(file, JSON.stringify({ url: `http://${host}:${addr.port}/api/backup`, token, pid: process.pid }), { mode: 0o600 })
    } catch (err) {
      app.log.warn({ err }, 'cannot write the backup endpoint file: npm run backup will not reach this server')
    }
  })
  app.addHook('onClose', async () => {
    rmSync(file, { force: true })
  })
}
