/** Retention and erasure on the embedded database (PGlite, no DATABASE_URL). */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { startNode, type Node } from '../ws/harness.ts'
import { retentionContract } from './retention-contract.ts'

let dir: string
let node: Node

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sb-retention-'))
  node = await startNode({ dataDir: dir })
}, 60_000)
afterAll(async () => {
  await node?.close()
  rmSync(dir, { recursive: true, force: true })
})

retentionContract(() => node)
