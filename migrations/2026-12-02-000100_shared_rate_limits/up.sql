-- Rate-limit windows shared by every instance on this database (issue 16): one row per limit
-- and key (e.g. a client address), counting hits in a fixed window. UNLOGGED: counters need no
-- crash safety or replication, and skipping the WAL keeps each hit cheap.
CREATE UNLOGGED TABLE rate_limit_windows (
    bucket text NOT NULL,
    key text NOT NULL,
    window_start timestamptz NOT NULL,
    hits integer NOT NULL CHECK (hits > 0),
    PRIMARY KEY (bucket, key)
);

-- Finding windows that have ended, to purge them.
CREATE INDEX rate_limit_windows_window_start ON rate_limit_windows (window_start);
