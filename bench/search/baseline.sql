-- today's search (src/models/article.rs before issue 18): every match ranked with ts_rank on the
-- whole weighted vector, then the exact total.
\set i 1 + :mix * random(0, 7)
SELECT a.id, a.slug, a.title, a.excerpt, a.category_id, a.author_id, a.featured_image_url, a.featured_image_alt, a.status, a.published_at, a.reading_time_minutes, a.created_at, a.updated_at, a.listed_at, ts_rank(a.search, q)
FROM articles a, websearch_to_tsquery('english', (:QUERIES)[:i]) q
WHERE a.status IN ('published', 'scheduled') AND a.listed_at <= now() AND a.search @@ q
ORDER BY ts_rank(a.search, q) DESC, a.id DESC LIMIT 21;
SELECT count(*) FROM articles a, websearch_to_tsquery('english', (:QUERIES)[:i]) q
WHERE a.status IN ('published', 'scheduled') AND a.listed_at <= now() AND a.search @@ q;
