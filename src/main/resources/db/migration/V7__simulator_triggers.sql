-- How many trigger calls the simulator accepted for each deployment. A repeated trigger (after a crash) finds
-- the first simulated build again, as a real provider's idempotent start would; the count shows that it
-- happened, so a test can tell a deployment started once from one started twice.
alter table simulator_deployment add column triggers integer not null default 1;
