-- The public list's total (every article, a category's or a tag's) from the counts the triggers
-- keep (migration `article_counts`): the published articles, less those dated after `as_of`, plus
-- the scheduled ones already due. A PL/pgSQL function, so its statement is planned once per
-- connection and the service calls it as a prepared statement (models::article::count_public).
CREATE FUNCTION article_public_count(category_slug TEXT, tag_slug TEXT, as_of TIMESTAMPTZ)
RETURNS BIGINT LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (
        WITH cat AS (SELECT id FROM categories WHERE slug = category_slug),
             tag AS (SELECT id FROM tags WHERE slug = tag_slug)
        SELECT COALESCE((SELECT k.published FROM article_counts k
                         WHERE k.category_id IS NOT DISTINCT FROM (SELECT id FROM cat)
                           AND (category_slug IS NULL) = (k.category_id IS NULL)
                           AND k.tag_id IS NOT DISTINCT FROM (SELECT id FROM tag)
                           AND (tag_slug IS NULL) = (k.tag_id IS NULL)), 0)
             - (SELECT count(*) FROM articles a
                WHERE a.status = 'published' AND a.listed_at > as_of
                  AND (category_slug IS NULL OR a.category_id = (SELECT id FROM cat))
                  AND (tag_slug IS NULL OR EXISTS (SELECT 1 FROM article_tags t
                       WHERE t.article_id = a.id AND t.tag_id = (SELECT id FROM tag))))
             + (SELECT count(*) FROM articles a
                WHERE a.status = 'scheduled' AND a.listed_at <= as_of
                  AND (category_slug IS NULL OR a.category_id = (SELECT id FROM cat))
                  AND (tag_slug IS NULL OR EXISTS (SELECT 1 FROM article_tags t
                       WHERE t.article_id = a.id AND t.tag_id = (SELECT id FROM tag))))
    );
END
$$;
