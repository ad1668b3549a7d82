-- RUM on the whole weighted vector: the index returns matches in rank order (search <=> q, its
-- own weighted cover-density score), then the exact total.
\set i 1 + :mix * random(0, 7)
SELECT a.id, a.slug, a.title, a.excerpt, a.category_id, a.author_id, a.featured_image_url, a.featured_image_alt, a.status, a.published_at, a.reading_time_minutes, a.created_at, a.updated_at, a.listed_at, a.search <=> q
FROM articles a, websearch_to_tsquery('english', (:QUERIES)[:i]) q
WHERE a.status IN ('published', 'scheduled') AND a.listed_at <= now() AND a.search @@ q
ORDER BY a.search <=> q LIMIT 21;
SELECT count(*) FROM articles a, websearch_to_tsquery('english', (:QUERIES)[:i]) q
WHERE a.status IN ('published', 'scheduled') AND a.listed_at <= now() AND a.search @@ q;
