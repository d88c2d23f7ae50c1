// Bundled by outbox-indexeddb.browser.test.ts into the test page as `globalThis.P`.
export { IndexedDbOutbox, tabClientId } from '../../src/outbox-indexeddb.ts'
export { SyncClient } from '../../src/sync-client.ts'
