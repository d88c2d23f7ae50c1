/**
 * Checks the `observability` compose profile without a Docker engine: Prometheus scrapes /metrics
 * of every server service on its port, with the bearer token the server expects; Grafana gets the
 * Prometheus data source and the dashboards provisioned from the files mounted; every dashboard
 * parses, and each panel queries a provisioned data source. (That every metric a dashboard
 * queries is one the server serves is checked by apps/server/test/ws/metrics.test.ts.)
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'

/** @param {any} service @param {string} target @returns {string | undefined} the host path mounted at `target` */
function mountOf(service, target) {
  for (const v of service?.volumes ?? []) {
    const [source, at] = typeof v === 'string' ? v.split(':') : [v.source, v.target]
    if (at === target && typeof source === 'string' && source.startsWith('./')) return source
  }
  return undefined
}

/** @param {string} dir @returns {string[]} */
function files(dir) {
  return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]))
}

/** @param {string} root @returns {{ errors: string[], notes: string[] }} */
export function validateObservability(root) {
  /** @type {string[]} */
  const errors = []
  /** @type {string[]} */
  const notes = []
  /** @type {any} */
  const doc = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true })
  const services = doc.services ?? {}
  const inProfile = (/** @type {string} */ name) => (services[name]?.profiles ?? []).includes('observability')
  const servers = Object.entries(services).filter(([, s]) => /** @type {any} */ (s).build !== undefined).map(([n]) => n)
  if (!inProfile('prometheus')) errors.push('observability: no prometheus service in the observability profile')
  if (!inProfile('grafana')) errors.push('observability: no grafana service in the observability profile')
  if (errors.length > 0) return { errors, notes }

  // Prometheus: the config file, a job on /metrics that reaches every server service on :3000.
  const promFile = mountOf(services.prometheus, '/etc/prometheus/prometheus.yml')
  if (!promFile || !existsSync(join(root, promFile))) errors.push('observability: prometheus.yml is not mounted from the repository')
  else {
    /** @type {any} */
    const prom = parse(readFileSync(join(root, promFile), 'utf8'))
    const jobs = prom?.scrape_configs ?? []
    const job = jobs.find((/** @type {any} */ j) => (j.metrics_path ?? '/metrics') === '/metrics')
    if (!job) errors.push('observability: no scrape job on /metrics')
    else {
      /** @type {string[]} */
      const targets = []
      for (const sd of job.dns_sd_configs ?? []) for (const n of sd.names ?? []) targets.push(`${n}:${sd.port}`)
      for (const sc of job.static_configs ?? []) targets.push(...(sc.targets ?? []))
      for (const name of servers) {
        if (!targets.includes(`${name}:3000`)) errors.push(`observability: Prometheus does not scrape ${name}:3000`)
      }
      const tokenFile = job.authorization?.credentials_file
      const entry = JSON.stringify(services.prometheus.entrypoint ?? '')
      if (!tokenFile) errors.push('observability: the scrape job sends no bearer token (METRICS_TOKEN)')
      else if (!entry.includes(tokenFile) || !entry.includes('METRICS_TOKEN')) errors.push(`observability: nothing writes METRICS_TOKEN to ${tokenFile}`)
      const promPort = (services.prometheus.ports ?? []).map(String).find((/** @type {string} */ p) => p.endsWith(':9090'))
      if (!promPort) errors.push('observability: Prometheus does not publish 9090')
      notes.push(`observability: Prometheus scrapes ${targets.join(', ')}`)
    }
  }

  // Grafana: data sources and dashboard providers provisioned; the dashboards parse.
  const provisioning = mountOf(services.grafana, '/etc/grafana/provisioning')
  const dashboardsDir = mountOf(services.grafana, '/var/lib/grafana/dashboards')
  if (!provisioning || !existsSync(join(root, provisioning))) errors.push('observability: Grafana provisioning is not mounted from the repository')
  if (!dashboardsDir || !existsSync(join(root, dashboardsDir))) errors.push('observability: the Grafana dashboards are not mounted from the repository')
  if (errors.length > 0 || !provisioning || !dashboardsDir) return { errors, notes }

  const uids = new Set()
  for (const f of files(join(root, provisioning, 'datasources'))) {
    /** @type {any} */
    const y = parse(readFileSync(f, 'utf8'))
    for (const d of y?.datasources ?? []) {
      uids.add(d.uid)
      if (d.type === 'prometheus' && !/^http:\/\/prometheus:9090\/?$/.test(d.url)) errors.push(`observability: data source ${d.name} points at ${d.url}, not the prometheus service`)
    }
  }
  if (uids.size === 0) errors.push('observability: no Grafana data source provisioned')
  const providers = files(join(root, provisioning, 'dashboards')).flatMap((f) => /** @type {any} */ (parse(readFileSync(f, 'utf8')))?.providers ?? [])
  if (!providers.some((/** @type {any} */ p) => p.options?.path === '/var/lib/grafana/dashboards')) {
    errors.push('observability: no dashboard provider reads /var/lib/grafana/dashboards')
  }
  const dashboards = files(join(root, dashboardsDir)).filter((f) => f.endsWith('.json'))
  if (dashboards.length === 0) errors.push('observability: no dashboard JSON')
  for (const f of dashboards) {
    /** @type {any} */
    let d
    try {
      d = JSON.parse(readFileSync(f, 'utf8'))
    } catch (err) {
      errors.push(`observability: ${f} is not JSON: ${/** @type {Error} */ (err).message}`)
      continue
    }
    if (!d.uid || !d.title || !Array.isArray(d.panels) || d.panels.length === 0) errors.push(`observability: ${f} has no uid, title or panels`)
    const queries = (d.panels ?? []).filter((/** @type {any} */ p) => p.type !== 'row')
    for (const p of queries) {
      for (const t of p.targets ?? []) {
        const uid = t.datasource?.uid ?? p.datasource?.uid
        if (!uids.has(uid)) errors.push(`observability: panel "${p.title}" queries data source ${uid}, which is not provisioned`)
        if (!String(t.expr ?? '').trim()) errors.push(`observability: panel "${p.title}" has an empty query`)
      }
      if ((p.targets ?? []).length === 0) errors.push(`observability: panel "${p.title}" has no query`)
    }
    notes.push(`observability: dashboard "${d.title}", ${queries.length} panels`)
  }
  return { errors, notes }
}
