-- Zoom Contact Center webhooks and REST (docs/zoom-webhooks.md).

-- Where an engagement's context, status and variables were reported from: 'app' (the agent
-- app's SDK), 'webhook' (Zoom's signed event notifications), 'rest' (Zoom's REST API, backfill).
-- Not indexed: it changes with ops, and projection updates stay HOT (0004_hot_updates.sql).
alter table engagements add column sources jsonb not null default '[]'::jsonb;
-- Engagements from before this column were only ever reported by the app.
update engagements set sources = '["app"]'::jsonb where last_seq > 0;

-- Every event notification accepted for an account this deployment serves, persisted before the
-- 200 (Zoom wants an answer within 3 s and retries only on 5xx or no answer). The key repeats on
-- Zoom's retries (event + event_ts + engagement or user id; the body has no delivery id), so a
-- retried delivery inserts nothing. Rows are processed right after the answer; a row still
-- unprocessed after a crash is picked up again (processed_at null). Kept for a few days for
-- deduplication and diagnosis, then deleted.
create table zoom_webhook_deliveries (
  account_id     text not null references accounts(id),
  delivery_key   text not null,
  event          text not null,                 -- e.g. contact_center.engagement_user_answered
  event_ts       bigint not null,               -- envelope event_ts (ms)
  engagement_id  text,
  user_id        text,
  object         jsonb not null,                -- payload.object as received
  received_at    timestamptz not null default now(),
  claimed_at     timestamptz,                   -- a node is processing it (lease)
  attempts       int not null default 0,
  processed_at   timestamptz,
  outcome        text,                          -- applied | duplicate | ignored | refused | failed
  primary key (account_id, delivery_key)
);
create index zoom_webhook_deliveries_pending on zoom_webhook_deliveries (received_at) where processed_at is null;
create index zoom_webhook_deliveries_engagement on zoom_webhook_deliveries (account_id, engagement_id, event)
  where engagement_id is not null;
create index zoom_webhook_deliveries_age on zoom_webhook_deliveries (received_at);

-- Each agent's Contact Center status as Zoom last reported it (user_status_changed, login/logout,
-- or the REST users list). Zoom's time of the report orders updates: an older one never
-- overwrites a newer one.
create table zoom_user_status (
  account_id       text not null,
  user_id          text not null,
  status_id        text,
  status_name      text,                        -- Offline | Ready | Not Ready | Occupied (as Zoom names them)
  sub_status_id    text,
  sub_status_name  text,                        -- e.g. Break, Meal (Not Ready reasons)
  status_at        timestamptz,
  logged_in        boolean,
  login_at         timestamptz,
  updated_at       timestamptz not null default now(),
  primary key (account_id, user_id),
  foreign key (account_id, user_id) references users(account_id, id)
);

-- Queue names by Zoom queue id (REST backfill), for events that name only the id.
create table zoom_queues (
  account_id   text not null references accounts(id),
  queue_id     text not null,                   -- cc_queue_id, as webhooks name it
  queue_name   text not null,
  updated_at   timestamptz not null default now(),
  primary key (account_id, queue_id)
);

-- Per account: REST backfill progress and the lease that keeps one node backfilling at a time.
create table zoom_sync (
  account_id          text primary key references accounts(id),
  last_engagement_at  timestamptz,              -- newest engagement start seen from Zoom
  last_backfill_at    timestamptz,              -- last backfill that finished
  last_error          text,
  lease_owner         text,
  lease_until         timestamptz,
  dispositions        jsonb                     -- Zoom's active dispositions (names), when configured
);
