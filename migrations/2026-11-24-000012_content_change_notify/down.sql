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
        EXECUTE format('DROP TRIGGER content_changed ON %I', t);
    END LOOP;
END
$$;
DROP FUNCTION notify_content_changed();
