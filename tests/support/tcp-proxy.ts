/**
 * A TCP proxy in front of Postgres that a test controls, to cut one node's database
 * connection without touching the shared Postgres (the server's outage test, the reliability
 * suite's database faults):
 *   - `refuse()`: existing connections are reset and new ones refused (a crashed database host);
 *   - `blackhole()`: connections stay open but no byte passes either way, new ones hang
 *     (a network partition: nothing fails fast, only timeouts notice);
 *   - `restore()`: forwarding again.
 */
import { connect, createServer, type Server, type Socket } from 'node:net'

export type ProxyMode = 'open' | 'refuse' | 'blackhole'

export class TcpProxy {
  port = 0
  mode: ProxyMode = 'open'
  /** connections accepted since start */
  accepted = 0
  readonly #pairs = new Set<[Socket, Socket | null]>()
  #server: Server | null = null
  readonly #target: { host: string; port: number }

  constructor(target: { host: string; port: number }) {
    this.#target = target
  }

  /** A proxy for the server of the database URL `url`, listening. */
  static async inFrontOf(url: string): Promise<TcpProxy> {
    const u = new URL(url)
    const proxy = new TcpProxy({ host: u.hostname, port: Number(u.port || 5432) })
    await proxy.start()
    return proxy
  }

  get url(): string {
    return `127.0.0.1:${this.port}`
  }

  /** The database URL `url` through this proxy. */
  via(url: string): string {
    const u = new URL(url)
    u.hostname = '127.0.0.1'
    u.port = String(this.port)
    return u.toString()
  }

  async start(): Promise<void> {
    await this.#listen(0)
  }

  async #listen(port: number): Promise<void> {
    const server = createServer((client) => this.#accept(client))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve())
    })
    this.#server = server
    const addr = server.address()
    this.port = typeof addr === 'object' && addr ? addr.port : port
  }

  #accept(client: Socket): void {
    this.accepted++
    client.on('error', () => {})
    if (this.mode === 'blackhole') {
      // Accept and hold: the client waits for a handshake that never comes.
      const pair: [Socket, Socket | null] = [client, null]
      this.#pairs.add(pair)
      client.on('close', () => this.#pairs.delete(pair))
      client.pause()
      return
    }
    const upstream = connect(this.#target.port, this.#target.host)
    const pair: [Socket, Socket | null] = [client, upstream]
    this.#pairs.add(pair)
    const drop = () => {
      client.destroy()
      upstream.destroy()
      this.#pairs.delete(pair)
    }
    upstream.on('error', drop).on('close', drop)
    client.on('close', drop)
    client.on('data', (b) => {
      if (this.mode === 'open') upstream.write(b)
    })
    upstream.on('data', (b) => {
      if (this.mode === 'open') client.write(b)
    })
  }

  /** Ends every connection, the client side with a reset (RST) or a normal close. */
  #dropAll(how: 'reset' | 'close'): void {
    for (const [a, b] of this.#pairs) {
      if (how === 'reset') a.resetAndDestroy()
      else a.destroy()
      b?.destroy()
    }
    this.#pairs.clear()
  }

  async #refuseWith(how: 'reset' | 'close'): Promise<void> {
    this.mode = 'refuse'
    this.#dropAll(how)
    const s = this.#server
    this.#server = null
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()))
  }

  /** Resets every connection and refuses new ones until `restore()`. */
  refuse(): Promise<void> {
    return this.#refuseWith('reset')
  }

  /** Stops every byte in both directions; sockets stay open. */
  blackhole(): void {
    this.mode = 'blackhole'
  }

  async restore(): Promise<void> {
    if (this.mode === 'blackhole') {
      // Connections that lived through the partition are in an unknown protocol state: reset them.
      this.#dropAll('reset')
    }
    this.mode = 'open'
    if (!this.#server) await this.#listen(this.port)
  }

  close(): Promise<void> {
    return this.#refuseWith('close')
  }
}
