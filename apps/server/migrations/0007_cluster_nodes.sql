-- The servers sharing this database (a cluster), each with a fingerprint of its SESSION_SECRET
-- (an HMAC of a constant: the secret itself is never stored). A session or WS token signed by one
-- node must verify on every other, so a node refuses to start while a live node (seen within the
-- presence staleness window) holds another fingerprint. Rows are refreshed on the presence
-- heartbeat and deleted on clean shutdown; a crashed node's row goes stale.
create table cluster_nodes (
  node_id             text primary key,
  secret_fingerprint  text not null,
  started_at          timestamptz not null default now(),
  seen_at             timestamptz not null default now()
);
