-- Identity: stored Zoom OAuth tokens (in-client OAuth, optional) and the lookup that pins a
-- Zoom user to the account it was first seen in.

-- Zoom user ids are globally unique; the sign-in path looks a user up by id alone.
create index users_by_id on users (id, last_seen_at desc);

-- One row per account and Zoom user. Tokens are encrypted at rest (AES-256-GCM, "v1." + base64
-- of iv | cipher | tag, bound to the row by its key as AAD); never stored or logged in clear.
create table oauth_tokens (
  account_id     text not null references accounts(id),
  zoom_user_id   text not null,
  user_id        text not null,                 -- our user (session subject) who connected
  cred           text not null check (cred in ('production', 'development')),
  access_token   text not null,
  refresh_token  text not null,                 -- Zoom rotates it: always the newest one
  scopes         text not null default '',      -- space-separated, as Zoom returns them
  expires_at     timestamptz not null,          -- access token expiry
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now(),
  primary key (account_id, zoom_user_id)
);
