-- Foreign-key checks against engagements (every log row and notes document checks its
-- engagement) run a cached generic plan for `account_id = $1 and id = $2`, made once per
-- connection. Planned on a small table, that plan could take engagements_agent
-- (account_id, agent_id) with `id` as a filter: equal cost at that size. Postgres replans only
-- when the table's statistics change, so where autovacuum never analyzes it, every check then
-- read all of the account's engagements, a cost that grew with the table until a node at 500
-- agents stopped keeping up (docs/reliability.md). With agent_id first, no index but the primary
-- key starts with account_id alone, so the check always takes the primary key; reads by agent
-- give both columns and use the new index as they did the old one.
create index engagements_by_agent on engagements (agent_id, account_id);
drop index engagements_agent;
