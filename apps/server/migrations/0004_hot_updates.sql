-- Every op rewrites its engagement's projection row (last_seq, updated_at, notes_preview, state,
-- help, ...). Keep those updates HOT (heap-only tuples): no index may cover a column they change,
-- and each page keeps room for the new version. A HOT chain is pruned by the next reader of its
-- page, without VACUUM, so a lookup by key reads one live version and the indexes do not grow
-- with the update count. Without this, where autovacuum is off or absent (PGlite, the embedded
-- default, runs none), every update left an index entry behind: after 290,000 updates of 3,000
-- rows in 12 minutes a key lookup walked about a hundred dead versions and a node at 500 agents
-- stopped keeping up (docs/reliability.md).
--
-- engagements_live ordered live engagements by updated_at: the board and agent reads that used
-- it find the same rows through engagements_agent_live (account_id first) and sort them.
drop index engagements_live;
alter table engagements set (fillfactor = 50);
