-- Verified tenancy and revocable sessions (docs/zoom-setup.md "Tenancy", docs/architecture.md
-- "Sessions").

-- Which account a Zoom user belongs to, in multi-tenant mode: bound only from a verified source
-- (in-client OAuth: GET /v2/users/me whose id is the context's uid), never from a Home URL hint.
-- One row per Zoom user. 'dev' rows come from the emulator's dev sign-in and count only while
-- dev sign-in is on. Single-tenant deployments (ZOOM_ACCOUNT_ID) never read this table.
create table zoom_identities (
  zoom_user_id  text primary key,
  account_id    text not null references accounts(id),
  source        text not null check (source in ('oauth', 'dev')),
  bound_at      timestamptz not null default now()
);
create index zoom_identities_account on zoom_identities (account_id);

-- Sessions signed out before they expired. A session (cookie) and every WebSocket token issued
-- under it carry its id; a listed id is refused everywhere and its open sockets are closed.
-- Rows are useless after `expires_at` (the token is expired anyway) and are swept.
create table revoked_sessions (
  session_id  text primary key,
  expires_at  timestamptz not null
);
create index revoked_sessions_expiry on revoked_sessions (expires_at);

-- Zoom app contexts already exchanged for a session, per way in ('home': the Home URL header,
-- 'post': POST /api/session), so a captured context cannot be replayed on the same path while it
-- is still fresh (a context lives about two minutes; rows are swept after it expires).
create table used_app_contexts (
  digest      text primary key,
  expires_at  timestamptz not null
);
create index used_app_contexts_expiry on used_app_contexts (expires_at);

-- The old first-sight lookup by user id alone (it let an unsigned hint bind a user) is gone.
drop index if exists users_by_id;
