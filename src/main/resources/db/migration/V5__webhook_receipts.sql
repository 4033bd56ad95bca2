-- Provider webhooks already acted on, so a replayed or re-delivered one causes no second poll on any replica.
-- id is the SHA-256 (hex) of what identifies the webhook at its provider: Render's webhook-id, Vercel's event
-- id, or Railway's deployment id, event type and timestamp (Railway sends no event id). Receipts only need to
-- outlive the window in which a webhook is accepted at all; a scheduled job deletes older ones in batches.
create table webhook_receipt (
    provider    text        not null,
    id          text        not null,
    received_at timestamptz not null default now(),
    primary key (provider, id)
);
create index webhook_receipt_received on webhook_receipt (received_at);
