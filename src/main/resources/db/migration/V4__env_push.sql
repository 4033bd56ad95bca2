-- The last push of a project's variables to its provider, per environment. The tracker pushes again only when
-- the fingerprint of what it would send differs. The fingerprint is an HMAC under a key derived from the
-- encryption keyring (see dev.slipway.tracking.EnvPushes), so this table says nothing about the values.

create table provider_env_push (
    project_id   bigint      not null references project (id) on delete cascade,
    environment  text        not null,
    provider     text        not null,
    fingerprint  text        not null,
    pushed_at    timestamptz not null default now(),
    primary key (project_id, environment, provider),
    constraint provider_env_push_environment_check check (environment in ('production', 'preview'))
);
