-- Retention and erasure of customer personal data (notes, wrap-up, whispers, consumer details).
-- An account's retention period lives in accounts.settings.retentionDays (NOTES_RETENTION_DAYS
-- when unset). Erasing an engagement deletes its log rows, notes document (snapshot and search
-- entry) and projection; what is left is one audit row per action, without the content: who,
-- when, why, which engagement ids and how many rows. A consumer number is never stored here.
create table erasures (
  id              bigserial primary key,
  account_id      text not null references accounts(id),
  reason          text not null check (reason in ('retention', 'engagement', 'consumer')),
  requested_by    text,                          -- admin's user id; null for the retention purge
  engagement_ids  text[] not null default '{}',
  engagements     integer not null,
  events          integer not null,
  documents       integer not null,
  created_at      timestamptz not null default now()
);
create index erasures_by_account on erasures (account_id, created_at desc);
