-- Initial schema (DESIGN.md, "Data and delivery semantics").
-- Every row carries account_id and every query is scoped by it.

create table accounts (
  id          text primary key,                 -- Zoom account id (or dev account id)
  name        text,
  -- per-account settings: alert thresholds (ms), disposition list
  settings    jsonb not null default '{}'::jsonb,
  created_at  timestamptz not null default now()
);

create table users (
  account_id    text not null references accounts(id),
  id            text not null,                  -- Zoom user id (uid)
  display_name  text,
  email         text,
  role          text not null default 'agent' check (role in ('agent', 'supervisor', 'admin')),
  created_at    timestamptz not null default now(),
  last_seen_at  timestamptz not null default now(),
  primary key (account_id, id)
);

-- Projection of the engagement log: the current state of one engagement.
-- Updated in the same transaction as the log rows it is derived from.
create table engagements (
  account_id        text not null references accounts(id),
  id                text not null,              -- Zoom engagementId
  agent_id          text not null,              -- user who reported it (assigned agent)
  state             text check (state in ('active', 'inactive', 'wrap-up', 'end')),
  channel           text,                       -- voice | video | messaging | email
  source            text,
  queue_id          text,
  queue_name        text,
  is_conference     boolean not null default false,
  is_transfer       boolean not null default false,
  transfer          jsonb,                      -- { type, fromAgentId, fromAgentName }
  consumers         jsonb not null default '[]'::jsonb,
  variables         jsonb not null default '{}'::jsonb,
  started_at        timestamptz,                -- Zoom startTime
  accepted_at       timestamptz,                -- Zoom acceptTime
  state_since       timestamptz,
  wrapup_started_at timestamptz,
  ended_at          timestamptz,
  handle_ms         bigint,                     -- accepted (or started) -> wrap-up/end
  wrapup_ms         bigint,                     -- wrap-up -> end
  help              jsonb,                      -- { raisedBy, at } while an agent asks for help
  notes_preview     text not null default '',   -- last line of the notes, for boards
  last_seq          bigint not null default 0,  -- highest seq in engagement_events
  created_at        timestamptz not null default now(),
  updated_at        timestamptz not null default now(),
  primary key (account_id, id)
);
create index engagements_live on engagements (account_id, updated_at desc) where ended_at is null;
create index engagements_closed on engagements (account_id, ended_at desc) where ended_at is not null;
create index engagements_agent on engagements (account_id, agent_id);

-- The append-only engagement log, gap-free seq per engagement.
create table engagement_events (
  account_id     text not null,
  engagement_id  text not null,
  seq            bigint not null,
  kind           text not null,                 -- context | status | focus | variables | doc | whisper | whisper.read | help | ...
  actor_id       text not null,                 -- user id who caused it
  op_id          text not null,                 -- client op id (UUIDv7), unique per sender
  dedup_key      text,                          -- for SDK events reported by several sessions or repeated by Zoom
  data           jsonb not null default '{}'::jsonb,
  doc_update     bytea,                         -- Yjs update for kind = 'doc'
  created_at     timestamptz not null default now(),
  primary key (account_id, engagement_id, seq),
  foreign key (account_id, engagement_id) references engagements(account_id, id)
);
create unique index engagement_events_op on engagement_events (account_id, actor_id, op_id);
create unique index engagement_events_dedup on engagement_events (account_id, engagement_id, dedup_key)
  where dedup_key is not null;

-- Compacted Yjs document per engagement plus its plain-text projection.
create table notes_docs (
  account_id     text not null,
  engagement_id  text not null,
  snapshot       bytea not null,                -- Y.encodeStateAsUpdate of the doc at snapshot_seq
  snapshot_seq   bigint not null default 0,     -- log seq included in snapshot
  plain_text     text not null default '',
  wrapup         jsonb not null default '{}'::jsonb, -- { disposition, tags, summary }
  search         tsvector generated always as (to_tsvector('simple', plain_text)) stored,
  updated_at     timestamptz not null default now(),
  primary key (account_id, engagement_id),
  foreign key (account_id, engagement_id) references engagements(account_id, id)
);
create index notes_docs_search on notes_docs using gin (search);
