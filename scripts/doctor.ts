/** `npm run doctor`: Marketplace values and deployment checks (apps/server/src/doctor). */
import { main } from '../apps/server/src/doctor/cli.ts'

process.exitCode = await main(process.argv.slice(2), process.env, { out: (text) => process.stdout.write(text) })
