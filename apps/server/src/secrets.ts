/**
 * Development convenience: without SESSION_SECRET, a random secret is generated once into
 * DATA_DIR so sessions survive restarts. Production requires SESSION_SECRET (see config.ts).
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Config } from './config.ts'

export type ResolvedConfig = Config & { sessionSecret: string }

export async function ensureSessionSecret(config: Config): Promise<ResolvedConfig> {
  if (config.sessionSecret !== undefined) return { ...config, sessionSecret: config.sessionSecret }
  const file = join(config.dataDir, 'session-secret')
  try {
    const existing = (await readFile(file, 'utf8')).trim()
    if (existing.length >= 32) return { ...config, sessionSecret: existing }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  await mkdir(config.dataDir, { recursive: true })
  const secret = randomBytes(32).toString('base64url')
  try {
    await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' })
  } catch (error) {
    // Another process created it first: use theirs so both sign the same sessions.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    return { ...config, sessionSecret: (await readFile(file, 'utf8')).trim() }
  }
  return { ...config, sessionSecret: secret }
}
