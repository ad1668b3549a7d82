DROP INDEX subscribers_pending_since;
CREATE INDEX subscribers_pending_since ON subscribers (created_at) WHERE status = 'pending';
