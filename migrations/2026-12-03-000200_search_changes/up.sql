-- The search index's change log (issue 18, src/search_index.rs). Each instance keeps a search
-- index of the public articles in memory; before each search it reads the changes committed
-- since it last looked, so that a search never misses a committed write, on any instance.
--
-- `xid` is the writing transaction's id. A reader notes the oldest transaction still running
-- when it reads (its snapshot's xmin): every change of an older transaction is either in what
-- it read or was rolled back, so next time it reads from that horizon on. A change's row is
-- written by the write's own transaction, so it commits or rolls back with it.
CREATE TABLE search_changes (
    seq        BIGSERIAL PRIMARY KEY,
    xid        BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    article_id BIGINT NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX search_changes_by_xid ON search_changes (xid);
CREATE INDEX search_changes_by_time ON search_changes (changed_at);

-- Once per statement (a bulk load writes one row per article, in one insert).
CREATE FUNCTION search_changes_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_changes (article_id) SELECT id FROM changed_rows;
    RETURN NULL;
END
$$;
CREATE TRIGGER articles_search_inserted AFTER INSERT ON articles
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_changes_inserted();
CREATE TRIGGER articles_search_deleted AFTER DELETE ON articles
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_changes_inserted();

-- An update counts when it changes what the index holds: the words, or who may see it when.
CREATE FUNCTION search_changes_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_changes (article_id)
    SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE (n.title, n.excerpt, n.body_markdown, n.status, n.listed_at)
          IS DISTINCT FROM (o.title, o.excerpt, o.body_markdown, o.status, o.listed_at);
    RETURN NULL;
END
$$;
CREATE TRIGGER articles_search_updated AFTER UPDATE ON articles
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION search_changes_updated();
