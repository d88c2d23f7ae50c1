/**
 * Protocol version. Bump on every wire change (a test hashes the schemas and fails
 * when they change without a bump). One line per bump:
 *
 * 1 — initial protocol: hello/welcome, subscribe/snapshot/events, engagement ops, doc.update,
 *     help, whispers, boards with coalesced deltas.
 */
export const PROTOCOL_VERSION = 1
/** Oldest client version the server still accepts. */
export const MIN_PROTOCOL_VERSION = 1
