-- The audit log: one row for every write an editor or admin makes through the API, inserted in
-- that write's own transaction (so a write that fails or rolls back leaves none). It records
-- who, what and where, and the names of the fields the write changed, never their values.
CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    -- The write's transaction time (the same `now()` its row's `updated_at` takes).
    occurred_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- No foreign key: a row outlives its user; the address is kept as it was at the time.
    actor_id BIGINT NOT NULL,
    actor_email TEXT NOT NULL,
    -- `create`, `replace`, `update`, `delete`, `archive`, `erase` (src/domain/audit.rs).
    action TEXT NOT NULL,
    -- `article`, `category`… and the resource's slug, id or code.
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    changed_fields TEXT[] NOT NULL DEFAULT '{}',
    client_addr INET,
    -- The request's `X-Request-Id`, as in its response header and its log line.
    request_id TEXT
);

-- The list's order (newest first) and its filters, each with that order behind it.
CREATE INDEX audit_log_recent ON audit_log (occurred_at DESC, id DESC);
CREATE INDEX audit_log_by_actor ON audit_log (actor_id, occurred_at DESC, id DESC);
CREATE INDEX audit_log_by_actor_email ON audit_log (actor_email, occurred_at DESC, id DESC);
CREATE INDEX audit_log_by_resource
    ON audit_log (resource_type, resource_id, occurred_at DESC, id DESC);
CREATE INDEX audit_log_by_action ON audit_log (action, occurred_at DESC, id DESC);

-- Append-only: any UPDATE, DELETE or TRUNCATE of the table is refused, whoever sends it (a
-- statement trigger, so even one that would touch no row). Dropping the table or the trigger
-- takes its owner's rights; the service never does either.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
