/**
 * The minimal socket the collaboration core talks to (as in hocuspocus / tldraw sync-core):
 * the gateway adapts a `ws` WebSocket to it, tests can drive sessions with a fake.
 */
export interface Peer {
  /** Sends one text frame (a Buffer holds its UTF-8 bytes, serialized once for many peers). */
  send(data: string | Buffer): void
  /**
   * Optional: hold writes until `uncork` (then one `writev` for everything sent meanwhile).
   * Sessions cork on their first frame of a tick, so the frames of one fan-out go out in
   * one syscall per socket.
   */
  cork?(): void
  uncork?(): void
  /** bytes queued but not yet written to the network */
  readonly bufferedAmount: number
  close(code: number, reason: string): void
}
