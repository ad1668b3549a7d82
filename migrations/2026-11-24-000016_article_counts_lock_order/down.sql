CREATE OR REPLACE FUNCTION article_counts_apply(deltas JSONB) RETURNS void LANGUAGE sql AS $$
    INSERT INTO article_counts AS c (category_id, tag_id, published)
    SELECT (d ->> 'category_id')::BIGINT, (d ->> 'tag_id')::BIGINT, sum((d ->> 'delta')::BIGINT)
    FROM jsonb_array_elements(deltas) d
    GROUP BY 1, 2
    HAVING sum((d ->> 'delta')::BIGINT) <> 0
    ON CONFLICT (category_id, tag_id) DO UPDATE SET published = c.published + EXCLUDED.published;
$$;
