-- Live logs: the line limit's dropped count and the retention job's lookup.

-- Lines dropped after a deployment reached slipway.logs.max-lines; the marker line at seq = max-lines
-- says this number, kept current by the same fenced statement that drops them.
alter table deployment add column log_dropped bigint not null default 0;

-- The retention job looks for finished deployments older than the retention period.
create index deployment_finished on deployment (finished_at) where finished_at is not null;
