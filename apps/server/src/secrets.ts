/**
 * Development conveniences: secrets that production must set are generated once into DATA_DIR
 * when unset, so a local server keeps them across restarts.
 *   - SESSION_SECRET (sessions survive restarts); production requires it (see config.ts).
 *   - ZOOM_WEBHOOK_SECRET_TOKEN, only with dev sign-in: the Zoom client emulator signs the
 *     webhooks it sends with it, the way Zoom signs with the app's Secret Token.
 */
import { createHmac, randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Config } from './config.ts'

export type ResolvedConfig = Config & { sessionSecret: string }

/** The secret stored in `dataDir/name`, created (at least 32 characters) when missing. */
async function generatedSecret(dataDir: string, name: string): Promise<string> {
  const file = join(dataDir, name)
  try {
    const existing = (await readFile(file, 'utf8')).trim()
    if (existing.length >= 32) return existing
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  await mkdir(dataDir, { recursive: true })
  const secret = randomBytes(32).toString('base64url')
  try {
    await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' })
  } catch (error) {
    // Another process created it first: use theirs so both sign the same way.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    return (await readFile(file, 'utf8')).trim()
  }
  return secret
}

export async function ensureSessionSecret(config: Config): Promise<ResolvedConfig> {
  if (config.sessionSecret !== undefined) return { ...config, sessionSecret: config.sessionSecret }
  return { ...config, sessionSecret: await generatedSecret(config.dataDir, 'session-secret') }
}

/** With dev sign-in and no ZOOM_WEBHOOK_SECRET_TOKEN: a generated one, so the emulator's webhooks verify. */
export async function ensureWebhookSecret<C extends Config>(config: C): Promise<C> {
  if (config.zoom.webhookSecretToken !== undefined || !config.devSignIn) return config
  const webhookSecretToken = await generatedSecret(config.dataDir, 'zoom-webhook-secret')
  return { ...config, zoom: { ...config.zoom, webhookSecretToken, webhookSecretGenerated: true } }
}

/**
 * What nodes compare to know they share SESSION_SECRET (`cluster_nodes`): an HMAC of a constant
 * under the secret, which reveals nothing of it.
 */
export function secretFingerprint(sessionSecret: string): string {
  return createHmac('sha256', sessionSecret).update('switchboard cluster fingerprint v1').digest('base64url').slice(0, 22)
}
