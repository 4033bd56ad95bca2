-- What was last pushed is kept per destination (a Render service, a Railway service in one of its environments,
-- a Vercel project's target), not per Slipway project and environment: when a preview and a production
-- deployment write to the same service, each must see the other's push as a change. The old rows are only a
-- cache of fingerprints; dropping them costs one extra push per destination.

drop table provider_env_push;

create table provider_env_push (
    provider     text        not null,
    destination  text        not null,
    fingerprint  text        not null,
    pushed_at    timestamptz not null default now(),
    primary key (provider, destination)
);
