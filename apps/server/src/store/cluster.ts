/**
 * Cluster membership (`cluster_nodes`): every node on one database records a fingerprint of its
 * SESSION_SECRET at start, and refuses to start while a live node holds a different one.
 */
import type { Db, Lane } from './port.ts'

/** Arbitrary constant key for `pg_advisory_xact_lock` ("sbclust" in ASCII): two nodes starting together check one after the other. */
const LOCK_KEY = 0x7362636c757374n.toString()

/** A live node of this cluster signs with another SESSION_SECRET. */
export class ClusterSecretMismatch extends Error {
  readonly nodes: readonly string[]

  constructor(nodes: readonly string[]) {
    super(`SESSION_SECRET differs from the one used by ${nodes.join(', ')} (running on the same database): every node of a cluster `
      + 'must use the same SESSION_SECRET (to change it, stop every node, then start them with the new one)')
    this.name = 'ClusterSecretMismatch'
    this.nodes = nodes
  }
}

/**
 * Joins the cluster as `nodeId`: throws `ClusterSecretMismatch` when another node seen within
 * `staleMs` has another fingerprint; otherwise records this node (and sweeps stale rows).
 */
export async function joinCluster(db: Lane, nodeId: string, fingerprint: string, staleMs: number): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1::int8)', [LOCK_KEY])
    const others = await tx.query<{ node_id: string }>(
      `select node_id from cluster_nodes
       where node_id <> $1 and secret_fingerprint <> $2 and seen_at > now() - ($3::int * interval '1 millisecond')
       order by node_id limit 5`, [nodeId, fingerprint, staleMs])
    if (others.rows.length > 0) throw new ClusterSecretMismatch(others.rows.map((r) => r.node_id))
    await tx.query(`delete from cluster_nodes where seen_at < now() - ($1::int * interval '1 millisecond')`, [staleMs])
    await tx.query(
      `insert into cluster_nodes (node_id, secret_fingerprint) values ($1, $2)
       on conflict (node_id) do update set secret_fingerprint = excluded.secret_fingerprint, started_at = now(), seen_at = now()`,
      [nodeId, fingerprint])
  })
}

/** Keeps this node's row live (recreated if it was swept, as after a long database outage). */
export async function clusterHeartbeat(db: Db, nodeId: string, fingerprint: string): Promise<void> {
  await db.query(
    `insert into cluster_nodes (node_id, secret_fingerprint) values ($1, $2)
     on conflict (node_id) do update set seen_at = now()`, [nodeId, fingerprint])
}

/** Clean shutdown: this node leaves the cluster. */
export async function leaveCluster(db: Db, nodeId: string): Promise<void> {
  await db.query('delete from cluster_nodes where node_id = $1', [nodeId])
}
