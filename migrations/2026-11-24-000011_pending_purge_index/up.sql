-- Unconfirmed sign-ups are purged a week after they were last touched (a new sign-up renews them).
DROP INDEX subscribers_pending_since;
CREATE INDEX subscribers_pending_since ON subscribers (updated_at) WHERE status = 'pending';
