#!/usr/bin/env node
/**
 * Validates docker-compose.yml (with its observability profile's Prometheus and Grafana files) and
 * the Dockerfile on a machine without a Docker engine.
 *   node scripts/validate-deploy.mjs          static checks (schema, structure)
 *   node scripts/validate-deploy.mjs --build  also runs the Dockerfile's stages here and boots the runtime stage
 */
import { join } from 'node:path'
import { validateCompose } from './validate-compose.mjs'
import { checkDockerfile, emulateDockerfile } from './validate-dockerfile.mjs'
import { validateObservability } from './validate-observability.mjs'

const root = join(import.meta.dirname, '..')
const log = (/** @type {string} */ line) => process.stdout.write(`validate-deploy: ${line}\n`)
const results = [await validateCompose(root), validateObservability(root), checkDockerfile(root)]
if (process.argv.includes('--build') && results.every((r) => r.errors.length === 0)) {
  results.push(await emulateDockerfile(root, { log }))
}
const errors = results.flatMap((r) => r.errors)
for (const note of results.flatMap((r) => r.notes)) log(note)
for (const error of errors) process.stderr.write(`validate-deploy: ERROR ${error}\n`)
log(errors.length === 0 ? 'ok' : `${errors.length} problem(s)`)
process.exit(errors.length === 0 ? 0 : 1)
