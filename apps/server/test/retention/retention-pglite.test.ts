/** Retention and erasure on the embedded database (PGlite, no DATABASE_URL). */
import { nodeForFile } from '../ws/harness.ts'
import { retentionContract } from './retention-contract.ts'

const node = nodeForFile()
retentionContract(() => node)
