-- An erased engagement is never created again (docs/operations.md, "Retention and erasure"):
-- the write path refuses an agent app's `engagement.observe` for an id in the account's
-- `erasures.engagement_ids` (ENGAGEMENT_ERASED), as Zoom's webhooks and the backfill already skip
-- it. That check runs only when a batch creates an engagement, as `engagement_ids && array[ids]`:
-- this index answers it without reading the account's whole audit.
create index erasures_by_engagement on erasures using gin (engagement_ids);
