-- The timeline of perfusion.
CREATE TABLE history_events (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug                TEXT NOT NULL UNIQUE
                        CHECK (char_length(slug) <= 120 AND slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    title               TEXT NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    summary             TEXT NOT NULL CHECK (char_length(summary) BETWEEN 1 AND 2000),
    year                INTEGER NOT NULL CHECK (year >= 1500),
    year_is_approximate BOOLEAN NOT NULL DEFAULT false,
    people              TEXT[] NOT NULL DEFAULT '{}',
    source_url          TEXT,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- The list is chronological and keyset-paginated on (year, id).
CREATE INDEX history_events_chronology ON history_events (year, id);
SELECT diesel_manage_updated_at('history_events');
