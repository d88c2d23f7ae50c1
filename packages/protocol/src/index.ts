export * from './common.ts'
export * from './client-messages.ts'
export * from './server-messages.ts'
export * from './rest.ts'
export * from './errors.ts'
export * from './version.ts'
export * from './parse.ts'
export * from './outbox.ts'
export * from './op-id.ts'
export * from './backoff.ts'
export * from './time.ts'
// The sync client is also `@switchboard/protocol/sync-client`; the IndexedDB outbox is only
// `@switchboard/protocol/outbox-indexeddb` so Node code never loads browser storage code.
export * from './sync-client.ts'
