/**
 * Checks the Dockerfile without a Docker engine. `checkDockerfile` parses it and checks its shape
 * (multi-stage, LTS base, production deps only, non-root user, health check on /readyz, every COPY
 * source present and not excluded by .dockerignore). `emulateDockerfile` runs its stages on this
 * machine: each stage is a temp directory standing in for WORKDIR /app (a stage `FROM` an earlier
 * stage starts as a copy of that stage's directory); COPY is a file copy, `npm`
 * RUN steps run for real, other RUN steps (chown to the image's user) are reported as skipped. The
 * final stage's CMD is then started and its HEALTHCHECK command must pass, then SIGTERM must exit 0.
 */
import { spawn, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'

/**
 * @typedef {{ op: string, args: string, flags: Record<string, string> }} Instruction
 * @typedef {{ name: string, image: string, parent?: string, steps: Instruction[] }} Stage
 *   `image` is the base image, also for a stage built `FROM` an earlier stage (named in `parent`)
 */

/** @param {string} text @returns {{ args: Record<string, string>, stages: Stage[] }} */
export function parseDockerfile(text) {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
  /** @type {Record<string, string>} */
  const args = {}
  /** @type {Stage[]} */
  const stages = []
  for (const line of lines) {
    const m = /^(\w+)\s+(.*)$/.exec(line)
    if (!m) continue
    const op = (m[1] ?? '').toUpperCase()
    let rest = m[2] ?? ''
    /** @type {Record<string, string>} */
    const flags = {}
    while (rest.startsWith('--')) {
      const f = /^--([\w-]+)(?:=(\S+))?\s*/.exec(rest)
      if (!f) break
      flags[f[1] ?? ''] = f[2] ?? 'true'
      rest = rest.slice(f[0].length)
    }
    if (op === 'ARG' && stages.length === 0) {
      const [k, v] = rest.split('=')
      if (k) args[k] = v ?? ''
    } else if (op === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(rest)
      const from = (f?.[1] ?? '').replace(/\$\{(\w+)\}/g, (_x, k) => args[k] ?? '')
      const parent = stages.find((s) => s.name === from)
      const name = f?.[2] ?? String(stages.length)
      stages.push(parent ? { name, image: parent.image, parent: parent.name, steps: [] } : { name, image: from, steps: [] })
    } else {
      stages.at(-1)?.steps.push({ op, args: rest, flags })
    }
  }
  return { args, stages }
}

/** @param {string} root @returns {(path: string) => boolean} true when .dockerignore excludes it */
function dockerignore(root) {
  const file = join(root, '.dockerignore')
  const patterns = existsSync(file)
    ? readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
    : []
  const regexes = patterns.map((p) => new RegExp(`^${p.replace(/[.+^$()|[\]]/g, '\\$&').replace(/\*\*\//g, '(?:.*/)?').replace(/\*/g, '[^/]*')}(?:/.*)?$`))
  return (path) => regexes.some((r) => r.test(path))
}

/** @param {string} args */
function words(args) {
  if (args.startsWith('[')) return /** @type {string[]} */ (JSON.parse(args))
  return args.split(/\s+/).filter(Boolean)
}

/** @param {string} root @returns {{ errors: string[], notes: string[], stages: Stage[] }} the Dockerfile's stages and empty reports */
function start(root) {
  return { errors: [], notes: [], stages: parseDockerfile(readFileSync(join(root, 'Dockerfile'), 'utf8')).stages }
}

/** @param {string} root @returns {{ errors: string[], notes: string[] }} */
export function checkDockerfile(root) {
  const { errors, notes, stages } = start(root)
  const floor = Number(/\d+/.exec(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines?.node ?? '')?.[0] ?? NaN)
  if (!Number.isInteger(floor)) errors.push('package.json: engines.node names no version')
  const ignored = dockerignore(root)
  if (stages.length < 2) errors.push('Dockerfile: not multi-stage')
  for (const s of stages) {
    const major = /^node:(\d+)/.exec(s.image)?.[1]
    if (!major) errors.push(`Dockerfile: stage ${s.name} is not based on an official node image (${s.image})`)
    else if (Number(major) % 2 !== 0) errors.push(`Dockerfile: node ${major} is not an LTS line`)
    else if (Number(major) < floor) errors.push(`Dockerfile: node ${major} is below the floor in package.json engines (${floor})`)
  }
  const names = new Set()
  for (const s of stages) {
    for (const step of s.steps.filter((x) => x.op === 'COPY')) {
      const parts = words(step.args)
      const sources = parts.slice(0, -1)
      if (step.flags.from) {
        if (!names.has(step.flags.from)) errors.push(`Dockerfile: COPY --from=${step.flags.from} names no earlier stage`)
        continue
      }
      for (const src of sources) {
        if (!existsSync(join(root, src))) errors.push(`Dockerfile: COPY source ${src} does not exist`)
        else if (ignored(src)) errors.push(`Dockerfile: COPY source ${src} is excluded by .dockerignore`)
      }
    }
    names.add(s.name)
  }
  const final = stages.at(-1)
  if (final) {
    const user = final.steps.filter((x) => x.op === 'USER').at(-1)?.args
    if (!user || user === 'root' || user === '0') errors.push('Dockerfile: the runtime stage runs as root')
    const health = final.steps.find((x) => x.op === 'HEALTHCHECK')
    if (!health?.args.includes('/readyz')) errors.push('Dockerfile: no HEALTHCHECK on /readyz')
    if (!final.steps.some((x) => x.op === 'CMD')) errors.push('Dockerfile: no CMD')
    const fromStages = final.steps.filter((x) => x.op === 'COPY' && x.flags.from).map((x) => x.flags.from)
    const depsStage = stages.find((s) => fromStages.includes(s.name) && s.steps.some((x) => x.op === 'RUN' && /npm ci\b.*--omit=dev/.test(x.args)))
    if (!depsStage) errors.push('Dockerfile: the runtime stage does not take node_modules from an `npm ci --omit=dev` stage')
    if (final.steps.some((x) => x.op === 'RUN' && /npm (ci|install)\b(?!.*--omit=dev)/.test(x.args))) {
      errors.push('Dockerfile: the runtime stage installs dev dependencies')
    }
  }
  notes.push(`Dockerfile: ${stages.length} stages (${stages.map((s) => s.name).join(' → ')}), base ${stages[0]?.image}`)
  return { errors, notes }
}

/**
 * @param {string} root
 * @param {{ log: (line: string) => void, port?: number }} opts
 * @returns {Promise<{ errors: string[], notes: string[] }>}
 */
export async function emulateDockerfile(root, opts) {
  const { errors, notes, stages } = start(root)
  const ignored = dockerignore(root)
  const base = mkdtempSync(join(tmpdir(), 'sb-docker-'))
  /** @type {Map<string, string>} */
  const dirs = new Map()
  /** @type {Map<string, Record<string, string>>} */
  const envs = new Map()
  /** @type {Record<string, string>} */
  let env = {}
  try {
    for (const stage of stages) {
      const dir = join(base, stage.name)
      const parentDir = stage.parent ? dirs.get(stage.parent) : undefined
      if (parentDir) cpSync(parentDir, dir, { recursive: true, verbatimSymlinks: true })
      mkdirSync(dir, { recursive: true })
      dirs.set(stage.name, dir)
      // A stage FROM an earlier stage keeps its ENV (paths under /app now under this stage's directory).
      env = Object.fromEntries(Object.entries((stage.parent && envs.get(stage.parent)) || {})
        .map(([k, v]) => [k, parentDir && v.startsWith(parentDir) ? dir + v.slice(parentDir.length) : v]))
      envs.set(stage.name, env)
      const inStage = (/** @type {string} */ p) => (p.startsWith('/app') ? join(dir, p.slice(4)) : join(dir, p))
      for (const step of stage.steps) {
        if (step.op === 'WORKDIR' && step.args !== '/app') throw new Error(`emulator supports WORKDIR /app only (got ${step.args})`)
        if (step.op === 'ENV') {
          for (const m of step.args.matchAll(/(\w+)=(\S+)/g)) env[m[1] ?? ''] = (m[2] ?? '').replace(/^\/app/, dir)
        }
        if (step.op === 'COPY') {
          const parts = words(step.args)
          const dest = parts.at(-1) ?? '.'
          const from = step.flags.from ? dirs.get(step.flags.from) : undefined
          for (const src of parts.slice(0, -1)) {
            const source = from ? (src.startsWith('/app') ? join(from, src.slice(4)) : join(from, src)) : join(root, src)
            const isDir = statSync(source).isDirectory()
            const target = dest.endsWith('/') && !isDir ? join(inStage(dest), src.split('/').at(-1) ?? src) : inStage(dest)
            mkdirSync(dirname(target), { recursive: true })
            cpSync(source, target, {
              recursive: true,
              verbatimSymlinks: true,
              filter: (p) => from !== undefined || !ignored(relative(root, p)),
            })
          }
        }
        if (step.op === 'RUN') {
          if (!step.args.startsWith('npm ')) {
            notes.push(`emulated build skipped (needs a container): RUN ${step.args}`)
            continue
          }
          opts.log(`[${stage.name}] RUN ${step.args}`)
          const started = Date.now()
          const r = spawnSync('sh', ['-c', step.args], { cwd: dir, env: { ...process.env, ...env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
          if (r.status !== 0) {
            errors.push(`Dockerfile: [${stage.name}] RUN ${step.args} failed:\n${(r.stdout + r.stderr).slice(-3000)}`)
            return { errors, notes }
          }
          notes.push(`[${stage.name}] RUN ${step.args} ok (${Math.round((Date.now() - started) / 1000)} s)`)
        }
      }
    }
    const final = stages.at(-1)
    const dir = final ? dirs.get(final.name) : undefined
    if (!final || !dir) return { errors, notes }
    mkdirSync(join(dir, '.data'), { recursive: true })
    const cmd = words(final.steps.filter((x) => x.op === 'CMD').at(-1)?.args ?? '[]')
    const health = final.steps.find((x) => x.op === 'HEALTHCHECK')?.args ?? ''
    const healthCmd = words(health.slice(health.indexOf('CMD') + 3).trim())
    const port = String(opts.port ?? 3917)
    const runEnv = { PATH: process.env['PATH'] ?? '', ...env, PORT: port, HOST: '127.0.0.1' }
    const bin = (/** @type {string} */ c) => (c === 'node' ? process.execPath : c)
    opts.log(`[${final.name}] CMD ${cmd.join(' ')} (PORT=${port})`)
    const child = spawn(bin(cmd[0] ?? 'node'), cmd.slice(1), { cwd: dir, env: runEnv, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (c) => (output += c))
    child.stderr.on('data', (c) => (output += c))
    const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)))
    let healthy = false
    for (let i = 0; i < 60 && child.exitCode === null; i++) {
      const r = spawnSync(bin(healthCmd[0] ?? 'node'), healthCmd.slice(1), { cwd: dir, env: runEnv, timeout: 3000 })
      if (r.status === 0) {
        healthy = true
        break
      }
      await new Promise((resolve) => setTimeout(resolve, 1000))
    }
    if (!healthy) errors.push(`Dockerfile: the runtime stage never passed its HEALTHCHECK:\n${output.slice(-3000)}`)
    else notes.push('runtime stage: CMD started from the image layout and HEALTHCHECK (/readyz) passed')
    child.kill('SIGTERM')
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 6000))])
    if (code === 'timeout') {
      child.kill('SIGKILL')
      errors.push('Dockerfile: the runtime stage did not stop within 6 s of SIGTERM')
    } else if (code !== 0) errors.push(`Dockerfile: the runtime stage exited ${code} on SIGTERM`)
    else notes.push('runtime stage: SIGTERM → exit 0')
    return { errors, notes }
  } finally {
    rmSync(base, { recursive: true, force: true })
  }
}
