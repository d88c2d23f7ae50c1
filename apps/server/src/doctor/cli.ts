/**
 * `npm run doctor [-- --url https://host] [--values-only] [--allow-http]`
 *
 * Prints the Zoom Marketplace values for this deployment (from the same environment the server
 * reads) and checks the running deployment at `--url` (default PUBLIC_URL). Exits 1 on any
 * failure, each with what to fix.
 */
import { parseArgs } from 'node:util'
import { ConfigError, loadConfig, type Config } from '../config.ts'
import { checkDeployment, formatResults } from './checks.ts'
import { formatMarketplaceValues, marketplaceValues } from './marketplace.ts'
import { checkS2S, checkWebhookEndpoint } from './zoom-checks.ts'

const USAGE = `usage: npm run doctor -- [--url https://your-host] [--values-only] [--allow-http]
  --url          the deployment to check (default: PUBLIC_URL); also used for the printed values
  --values-only  print the Marketplace values and skip the checks
  --allow-http   accept a plain-http URL (local runs; Zoom itself requires https)
`

export interface Io {
  out(text: string): void
}

export async function main(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, io: Io): Promise<number> {
  let args
  try {
    args = parseArgs({
      args: [...argv],
      options: {
        url: { type: 'string' },
        'values-only': { type: 'boolean', default: false },
        'allow-http': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values
  } catch (err) {
    io.out(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`)
    return 2
  }
  if (args.help) {
    io.out(USAGE)
    return 0
  }
  let failed = false
  let target = args.url
  let config: Config | undefined
  try {
    config = loadConfig(args.url ? { ...env, PUBLIC_URL: args.url } : env)
    target ??= config.publicUrl
    io.out(formatMarketplaceValues(marketplaceValues(config)) + '\n')
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    failed = true
    io.out(`FAIL  configuration: ${err.message}\n      fix: correct that variable (see .env.example); the server refuses to start with it too.\n\n`)
  }
  if (args['values-only']) return failed ? 1 : 0
  if (!target) {
    io.out('No URL to check: pass --url https://your-host or set PUBLIC_URL.\n')
    return 1
  }
  io.out(`Checking ${target}\n`)
  const results = await checkDeployment(target, { allowHttp: args['allow-http'] })
  if (config) results.push(await checkWebhookEndpoint(new URL(target), config.zoom.webhookSecretToken, 8000), await checkS2S(config))
  io.out(formatResults(results))
  if (results.some((r) => !r.ok)) failed = true
  io.out(failed ? '\nSome checks failed: fix the items above and run the doctor again.\n' : '\nAll checks passed.\n')
  return failed ? 1 : 0
}
