/**
 * `npx tsx tests/bench/webhooks-alone.ts [RATE] [SECONDS]`: the webhook path on its own, one
 * server node on a throwaway database and nothing else, RATE signed webhooks/s (default 10) for
 * SECONDS (default 20); prints the same table as the bench's webhook section. `PROF=1` adds the
 * server's CPU profile summary. For looking into the webhook path without the rest of the load.
 */
import { cleanup, installExitHandlers } from './cleanup.ts'
import { summarizeDir } from './cpu-profile.ts'
import { createThrowawayDb, seedUsers } from './pgdb.ts'
import { startServers } from './servers.ts'
import { BENCH_WEBHOOK_SECRET, WebhookLoad, webhookRows, webhookUsers } from './webhooks.ts'

installExitHandlers(600_000)
const rate = Number(process.argv[2] ?? 10)
const seconds = Number(process.argv[3] ?? 20)
const db = await createThrowawayDb(process.env.BENCH_PG_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres')
const servers = await startServers({
  count: 1, databaseUrl: db.url, cpuProf: process.env.PROF === '1', dist: false, extraEnv: { ZOOM_WEBHOOK_SECRET_TOKEN: BENCH_WEBHOOK_SECRET },
})
await seedUsers(db.url, webhookUsers('acc-wh', 'alone'))
const load = new WebhookLoad({
  target: servers.nodes[0]!, board: servers.nodes[0]!, sessionSecret: servers.secret, accountId: 'acc-wh', runId: 'alone', ratePerSecond: rate,
})
await load.connect()
const result = await load.run(seconds)
load.close()
process.stdout.write(`${webhookRows(result).join('\n')}\n`)
await servers.stop()
for (const p of servers.cpuProfDir ? summarizeDir(servers.cpuProfDir) : []) {
  process.stdout.write(`\nserver CPU: busy ${p.busyMs} ms, idle ${p.idleMs} ms\n`)
  for (const f of p.topFunctions.slice(0, 20)) process.stdout.write(`  ${f.selfMs} ms ${f.pct}% ${f.name}\n`)
}
await cleanup()
process.exit(0)
