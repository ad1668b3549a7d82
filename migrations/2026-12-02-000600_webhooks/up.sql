-- Webhooks (issue 17): endpoints, the outbox of events written with each change, one delivery
-- per event and endpoint, and every attempt of it.

CREATE TABLE webhook_endpoints (
    id BIGSERIAL PRIMARY KEY,
    url TEXT NOT NULL,
    -- Event type names, or '*' for all.
    events TEXT[] NOT NULL,
    description TEXT,
    enabled BOOLEAN NOT NULL DEFAULT true,
    -- Why the service turned it off (a 410, five days of failures); null when an admin did.
    disabled_reason TEXT,
    disabled_at TIMESTAMPTZ,
    -- The signing key (the bytes after `whsec_`): kept so that it can sign, never shown again.
    secret BYTEA NOT NULL,
    -- After a rotation the old key signs too, until `previous_secret_until`.
    previous_secret BYTEA,
    previous_secret_until TIMESTAMPTZ,
    -- The first failed attempt since the last success.
    failing_since TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

SELECT diesel_manage_updated_at('webhook_endpoints');

-- The outbox: one row per change, written in the change's own transaction. `body` is the exact
-- JSON every attempt sends (and signs). `xid` is the writing transaction's: the worker fans an
-- event out only once every transaction that could still add an earlier one has ended.
CREATE TABLE webhook_events (
    id BIGSERIAL PRIMARY KEY,
    event_type TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    fanned_out BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX webhook_events_to_fan_out ON webhook_events (id) WHERE NOT fanned_out;

CREATE TABLE webhook_deliveries (
    id BIGSERIAL PRIMARY KEY,
    endpoint_id BIGINT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id BIGINT NOT NULL REFERENCES webhook_events (id),
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'succeeded', 'failed')),
    -- Attempts made (finished) so far.
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- An instance sending it holds it until then; after, another may take it over.
    claimed_until TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
-- The first attempts of an endpoint go out in order: the earliest not yet tried.
CREATE INDEX webhook_deliveries_untried ON webhook_deliveries (endpoint_id, id)
    WHERE state = 'pending' AND attempts = 0;
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (endpoint_id, id DESC);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

CREATE TABLE webhook_attempts (
    id BIGSERIAL PRIMARY KEY,
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempted_at TIMESTAMPTZ NOT NULL,
    status_code INTEGER,
    latency_ms INTEGER NOT NULL,
    error TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);

-- A scheduled article whose time came with no write: announced once (`article.published`),
-- whichever instance notices first. A new time is a new announcement.
CREATE TABLE webhook_announcements (
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    published_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (article_id, published_at)
);
CREATE INDEX articles_scheduled_due ON articles (published_at) WHERE status = 'scheduled';
-- What came due before webhooks existed is not news.
INSERT INTO webhook_announcements (article_id, published_at)
SELECT id, published_at FROM articles
WHERE status = 'scheduled' AND published_at IS NOT NULL AND published_at <= now();
