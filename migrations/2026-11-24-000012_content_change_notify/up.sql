-- Every committed change to public content notifies `content_changed`, so each instance's
-- cache of rendered responses drops what it kept (src/response_cache.rs). NOTIFY is delivered
-- at commit, and identical notifications of one transaction are sent once.
CREATE FUNCTION notify_content_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('content_changed', TG_TABLE_NAME);
    RETURN NULL;
END
$$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'accredited_programs', 'article_slug_redirects', 'article_tags', 'articles',
        'categories', 'certification_overview', 'certification_program_counts',
        'certification_steps', 'history_events', 'licensure', 'practice_steps',
        'practice_types', 'staffing_metrics', 'staffing_observations', 'tags'
    ] LOOP
        EXECUTE format(
            'CREATE TRIGGER content_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
            'FOR EACH STATEMENT EXECUTE FUNCTION notify_content_changed()', t);
    END LOOP;
END
$$;
