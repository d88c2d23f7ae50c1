/**
 * A cluster for a whole scenario file: a throwaway database and server processes on it, started
 * before the file's tests, and everything (processes, database, temp dirs) released after it by
 * the cleanup registry. The fields are filled in by the file's first `beforeAll`.
 */
import { afterAll, beforeAll } from 'vitest'
import { cleanup } from '../../bench/cleanup.ts'
import { startCluster, type Cluster, type NodeSpec, type RelNode } from './cluster.ts'
import { createRelDb, type RelDb } from './db.ts'

export interface ClusterFixture {
  db: RelDb
  cluster: Cluster
  /** the first node */
  node: RelNode
}

export function clusterForFile(nodes: Omit<NodeSpec, 'databaseUrl'>[], after?: () => Promise<void> | void): ClusterFixture {
  const fx = {} as ClusterFixture
  beforeAll(async () => {
    fx.db = await createRelDb()
    fx.cluster = await startCluster(nodes.map((n) => ({ ...n, databaseUrl: fx.db.url })))
    fx.node = fx.cluster.nodes[0]!
  }, 180_000)
  afterAll(async () => {
    await after?.()
    await cleanup()
  }, 60_000)
  return fx
}
