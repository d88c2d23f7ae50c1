-- Live WebSocket sessions per node, so every node's supervisor boards count sessions online
-- across the cluster. Each node refreshes `seen_at` of its rows on a heartbeat and deletes
-- them on close; rows of a crashed node go stale and are ignored (and swept) after a timeout.
create table presence (
  session_id           text primary key,
  node_id              text not null,
  account_id           text not null,
  user_id              text not null,
  role                 text not null,
  surface              text not null,
  focus_engagement_id  text,
  focus_at             timestamptz,
  connected_at         timestamptz not null default now(),
  seen_at              timestamptz not null default now()
);
create index presence_account on presence (account_id, user_id);
create index presence_node on presence (node_id);

-- Agents' engagements by recency (agent sessions load their open ones after welcome).
create index engagements_agent_live on engagements (account_id, agent_id) where ended_at is null;
