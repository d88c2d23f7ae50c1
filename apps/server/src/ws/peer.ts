/**
 * The minimal socket the collaboration core talks to (as in hocuspocus / tldraw sync-core):
 * the gateway adapts a `ws` WebSocket to it, tests can drive sessions with a fake.
 */
export interface Peer {
  send(data: string): void
  /** bytes queued but not yet written to the network */
  readonly bufferedAmount: number
  close(code: number, reason: string): void
}
