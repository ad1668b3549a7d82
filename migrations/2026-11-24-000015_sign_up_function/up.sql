-- A sign-up as one function: PL/pgSQL plans its statement once per connection and keeps the
-- plan, where the same statement sent as text was planned again for every sign-up (planning
-- was a third of its time). Inserts a pending subscriber, or counts one more confirmation mail
-- for p_today on the address's row, and queues the confirmation mail when the subscriber is
-- pending. No row (and nothing written) when the address has had p_per_day mails today. The
-- status returned is the one before the sign-up.
CREATE FUNCTION sign_up(p_email TEXT, p_name TEXT, p_topics TEXT[], p_today DATE,
                        p_per_day INTEGER)
RETURNS TABLE (id BIGINT, status TEXT) LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH up AS (
        INSERT INTO subscribers AS s (email, name, topics, confirmations_day, confirmations_sent)
        VALUES (p_email, p_name, p_topics, p_today, 1)
        ON CONFLICT (email) WHERE email IS NOT NULL DO UPDATE SET
            confirmations_sent = CASE WHEN s.confirmations_day = EXCLUDED.confirmations_day
                                      THEN s.confirmations_sent + 1 ELSE 1 END,
            confirmations_day = EXCLUDED.confirmations_day
        WHERE s.confirmations_day IS DISTINCT FROM EXCLUDED.confirmations_day
           OR s.confirmations_sent < p_per_day
        RETURNING s.id, s.status
    ), mail AS (
        INSERT INTO outbox (subscriber_id, kind)
        SELECT up.id, 'confirmation' FROM up WHERE up.status = 'pending'
    )
    SELECT up.id, up.status FROM up;
END;
$$;
