/**
 * A local copy of each engagement's notes document in IndexedDB, so a reload while offline still
 * shows the text. Keyed by user (`accountId/userId`) and engagement. Best effort: when IndexedDB
 * is unavailable the app works as before, only without the offline copy.
 */
export interface StoredDoc {
  state: Uint8Array
  lastSeq: number
  savedAt: number
}

export interface DocStorage {
  load(engagementId: string): Promise<StoredDoc | null>
  save(engagementId: string, state: Uint8Array, lastSeq: number): void
  remove(engagementId: string): void
}

const STORE = 'docs'

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error)
  })
}

export function openDocStorage(namespace: string, opts: { dbName?: string; indexedDB?: IDBFactory } = {}): DocStorage {
  const factory = opts.indexedDB ?? (typeof indexedDB === 'undefined' ? undefined : indexedDB)
  let db: Promise<IDBDatabase | null> | null = null
  const open = (): Promise<IDBDatabase | null> => {
    db ??= new Promise<IDBDatabase | null>((resolve) => {
      if (!factory) return resolve(null)
      try {
        const req = factory.open(opts.dbName ?? 'switchboard-docs', 1)
        req.onupgradeneeded = () => { req.result.createObjectStore(STORE) }
        req.onsuccess = () => resolve(req.result)
        req.onerror = () => resolve(null)
        req.onblocked = () => resolve(null)
      } catch {
        resolve(null)
      }
    })
    return db
  }
  const key = (engagementId: string): string => `${namespace}/${engagementId}`

  return {
    async load(engagementId) {
      const d = await open()
      if (!d) return null
      try {
        const row = await request(d.transaction(STORE, 'readonly').objectStore(STORE).get(key(engagementId))) as StoredDoc | undefined
        return row && row.state instanceof Uint8Array ? row : null
      } catch {
        return null
      }
    },
    save(engagementId, state, lastSeq) {
      void open().then((d) => {
        if (!d) return
        try {
          d.transaction(STORE, 'readwrite').objectStore(STORE).put({ state, lastSeq, savedAt: Date.now() } satisfies StoredDoc, key(engagementId))
        } catch { /* quota or closed: the server copy remains the source of truth */ }
      })
    },
    remove(engagementId) {
      void open().then((d) => {
        if (!d) return
        try { d.transaction(STORE, 'readwrite').objectStore(STORE).delete(key(engagementId)) } catch { /* ignore */ }
      })
    },
  }
}

/** For tests and when IndexedDB is off. */
export function memoryDocStorage(): DocStorage & { rows: Map<string, StoredDoc> } {
  const rows = new Map<string, StoredDoc>()
  return {
    rows,
    async load(id) { return rows.get(id) ?? null },
    save(id, state, lastSeq) { rows.set(id, { state, lastSeq, savedAt: Date.now() }) },
    remove(id) { rows.delete(id) },
  }
}
