/** The identity queries on the embedded store (`npm start` runs on PGlite). */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadTokens, saveTokens } from '../../src/auth/oauth-tokens.ts'
import { deriveTokenKey } from '../../src/auth/token-crypto.ts'
import { authSettings } from '../../src/auth/settings.ts'
import { accountOfZoomUser, accountServed, bindZoomUser } from '../../src/auth/tenancy.ts'
import { deleteUser, getUser, listUsers, setRole, upsertUser } from '../../src/auth/users.ts'
import { loadConfig } from '../../src/config.ts'
import { openStore } from '../../src/store/index.ts'
import { migrate } from '../../src/store/migrate.ts'
import type { Store } from '../../src/store/port.ts'
import { silentLogger } from '../store/test-db.ts'

let dir: string
let store: Store

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sb-identity-'))
  store = await openStore({ dataDir: dir, logger: silentLogger })
  await migrate(store)
})
afterAll(async () => {
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('identity on PGlite', () => {
  it('creates accounts on first sight and scopes users by account', async () => {
    await upsertUser(store, { accountId: 'A', userId: 'u1', displayName: 'One' })
    await upsertUser(store, { accountId: 'B', userId: 'u2' })
    expect((await listUsers(store, 'A')).map((u) => u.id)).toEqual(['u1'])
    expect(await getUser(store, 'B', 'u1')).toBeNull()
    const accounts = await store.query<{ id: string }>('select id from accounts order by id')
    expect(accounts.rows.map((r) => r.id)).toEqual(['A', 'B'])
  })

  it('minRole raises but never lowers; role sets exactly; setRole is account-scoped', async () => {
    expect((await upsertUser(store, { accountId: 'A', userId: 'u1', minRole: 'supervisor' })).role).toBe('supervisor')
    expect((await upsertUser(store, { accountId: 'A', userId: 'u1', minRole: 'agent' })).role).toBe('supervisor')
    expect((await upsertUser(store, { accountId: 'A', userId: 'u1' })).displayName).toBe('One')
    expect((await upsertUser(store, { accountId: 'A', userId: 'u1', role: 'agent' })).role).toBe('agent')
    expect(await setRole(store, 'B', 'u1', 'admin')).toBeNull()
    expect((await setRole(store, 'A', 'u1', 'admin'))?.role).toBe('admin')
  })

  it('binds Zoom users to accounts (multi tenant) and removes a user with their binding', async () => {
    const settings = authSettings(loadConfig({ SESSION_SECRET: 'x'.repeat(32), ZOOM_CLIENT_ID: 'id', ZOOM_CLIENT_SECRET: 'secret' }))
    expect(await accountOfZoomUser(store, settings, 'z1')).toBeNull()
    const row = await bindZoomUser(store, settings, 'z1', 'zoomAcct1', 'oauth')
    expect(row).toMatch(/^za_/)
    expect(await accountOfZoomUser(store, settings, 'z1')).toBe(row)
    expect(await accountServed(store, settings, 'zoomAcct1')).toBe(row)
    expect(await accountServed(store, settings, 'zoomAcct2')).toBeNull()
    // Emulator ('dev') bindings count only while dev sign-in is on.
    await bindZoomUser(store, settings, 'z2', 'zoomAcct2', 'dev')
    expect(await accountOfZoomUser(store, settings, 'z2')).toBeNull()
    await upsertUser(store, { accountId: row, userId: 'z1' })
    expect(await deleteUser(store, row, 'z1')).toBe(true)
    expect(await getUser(store, row, 'z1')).toBeNull()
    expect(await accountOfZoomUser(store, settings, 'z1')).toBeNull()
  })

  it('stores OAuth tokens encrypted and reads them back', async () => {
    const key = deriveTokenKey(undefined, 'x'.repeat(32))
    const expiresAt = Date.now() + 3_600_000
    await saveTokens(store, key, { accountId: 'A', zoomUserId: 'u1', userId: 'u1', cred: 'development', accessToken: 'AT', refreshToken: 'RT', scopes: ['a', 'b'], expiresAt })
    const raw = await store.query<{ access_token: string }>('select access_token from oauth_tokens')
    expect(raw.rows[0]!.access_token).not.toContain('AT')
    const t = await loadTokens(store, key, 'A', 'u1')
    expect(t).toMatchObject({ accessToken: 'AT', refreshToken: 'RT', scopes: ['a', 'b'], cred: 'development' })
    expect(Math.abs(t!.expiresAt - expiresAt)).toBeLessThan(1000)
  })
})
