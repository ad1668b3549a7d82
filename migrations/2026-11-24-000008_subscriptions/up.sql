-- Member subscriptions ("Join the Community"): subscribers, their one-purpose tokens (stored only
-- as SHA-256 hashes), and the outbox of mails to send.

CREATE TABLE subscribers (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Trimmed, domain lowercased. NULL once the personal data is erased.
    email              TEXT CHECK (char_length(email) <= 254),
    name               TEXT CHECK (char_length(name) BETWEEN 1 AND 100),
    topics             TEXT[] NOT NULL,
    status             TEXT NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'confirmed', 'unsubscribed', 'erased')),
    consent_version    TEXT,
    confirmed_at       TIMESTAMPTZ,
    unsubscribed_at    TIMESTAMPTZ,
    -- Confirmation mails sent today (at most 3 a day per address).
    confirmations_day  DATE,
    confirmations_sent INTEGER NOT NULL DEFAULT 0,
    created_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((status = 'erased') = (email IS NULL))
);
-- One row per address: concurrent sign-ups upsert into it.
CREATE UNIQUE INDEX subscribers_email ON subscribers (email) WHERE email IS NOT NULL;
CREATE INDEX subscribers_pending_since ON subscribers (created_at) WHERE status = 'pending';
SELECT diesel_manage_updated_at('subscribers');

CREATE TABLE subscriber_tokens (
    token_hash    BYTEA PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    subscriber_id BIGINT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    purpose       TEXT NOT NULL CHECK (purpose IN ('confirm', 'manage')),
    expires_at    TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX subscriber_tokens_subscriber ON subscriber_tokens (subscriber_id, purpose);

-- Mails to send, written in the same transaction as the change that causes them. The mail is
-- rendered when it is sent (so its tokens are made then and never stored in plain text).
CREATE TABLE outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscriber_id   BIGINT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('confirmation', 'welcome')),
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    claimed_at      TIMESTAMPTZ,
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at         TIMESTAMPTZ
);
-- What the worker claims: due pending mails, and mails a crashed instance left in `sending`.
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE status IN ('pending', 'sending');
