/**
 * `npm run reliability [-- --long] [-- <vitest filters>]`: the reliability and security suite
 * (tests/reliability) in the cross-process tier. `--long` sets RELIABILITY_LONG=1: minutes of
 * chaos, ten crashes, long database faults and Postgres restarts, 100,000 fuzzed frames, the
 * 30-minute soak. Figures land in tests/reliability/results/*.json (and on stderr).
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))
const args = process.argv.slice(2)
const long = args.includes('--long')
const rest = args.filter((a) => a !== '--long')
const files = rest.some((a) => !a.startsWith('-')) ? rest : ['tests/reliability/', ...rest]
const child = spawn(process.execPath, [`${root}node_modules/vitest/vitest.mjs`, 'run', '--project', 'process', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, ...(long ? { RELIABILITY_LONG: '1' } : {}) },
})
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig))
