-- Bounded by recency: the 200 newest matches (found by the planner's choice of the time index
-- or the GIN bitmap), ranked with today's ts_rank; total capped at 1,000.
\set i 1 + :mix * random(0, 7)
SELECT a.id, a.slug, a.title, a.excerpt, a.category_id, a.author_id, a.featured_image_url, a.featured_image_alt, a.status, a.published_at, a.reading_time_minutes, a.created_at, a.updated_at, a.listed_at, ts_rank(a.search, websearch_to_tsquery('english', (:QUERIES)[:i])) AS r
FROM (SELECT id FROM articles, websearch_to_tsquery('english', (:QUERIES)[:i]) q
      WHERE status IN ('published', 'scheduled') AND listed_at <= now() AND search @@ q
      ORDER BY listed_at DESC, id DESC LIMIT 200) w JOIN articles a USING (id)
ORDER BY r DESC, a.id DESC LIMIT 21;
SELECT count(*) FROM (SELECT 1 FROM articles a, websearch_to_tsquery('english', (:QUERIES)[:i]) q
WHERE a.status IN ('published', 'scheduled') AND a.listed_at <= now() AND a.search @@ q LIMIT 1001) c;
