-- Every change to the kept counts first locks the row of every article's count, then the rows
-- it changes. Creating an article locks its category's row then its tags'; retagging a
-- published article locks tags first: without one row that everyone takes first, two such
-- writes at once could deadlock. Writes that change counts are serialized by it, which a
-- content site's editors never notice.
CREATE OR REPLACE FUNCTION article_counts_apply(deltas JSONB) RETURNS void LANGUAGE sql AS $$
    SELECT 1 FROM article_counts WHERE category_id IS NULL AND tag_id IS NULL FOR UPDATE;
    INSERT INTO article_counts AS c (category_id, tag_id, published)
    SELECT (d ->> 'category_id')::BIGINT, (d ->> 'tag_id')::BIGINT, sum((d ->> 'delta')::BIGINT)
    FROM jsonb_array_elements(deltas) d
    GROUP BY 1, 2
    HAVING sum((d ->> 'delta')::BIGINT) <> 0
    ON CONFLICT (category_id, tag_id) DO UPDATE SET published = c.published + EXCLUDED.published;
$$;
