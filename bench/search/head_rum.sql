-- Bounded by a small vector: RUM on title (A) + excerpt (B) only ranks the title/excerpt
-- matches in index order; body-only matches would come after (not ranked here); total capped
-- at 1,000.
\set i 1 + :mix * random(0, 7)
SELECT a.id, a.slug, a.title, a.excerpt, a.category_id, a.author_id, a.featured_image_url, a.featured_image_alt, a.status, a.published_at, a.reading_time_minutes, a.created_at, a.updated_at, a.listed_at, a.bench_head <=> q
FROM articles a, websearch_to_tsquery('english', (:QUERIES)[:i]) q
WHERE a.status IN ('published', 'scheduled') AND a.listed_at <= now() AND a.bench_head @@ q
ORDER BY a.bench_head <=> q LIMIT 21;
SELECT count(*) FROM (SELECT 1 FROM articles a, websearch_to_tsquery('english', (:QUERIES)[:i]) q
WHERE a.status IN ('published', 'scheduled') AND a.listed_at <= now() AND a.search @@ q LIMIT 1001) c;
