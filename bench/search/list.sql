-- The reference: the uncached list's page 1 and its kept total (src/models/article.rs).
SELECT a.id, a.slug, a.title, a.excerpt, a.category_id, a.author_id, a.featured_image_url, a.featured_image_alt, a.status, a.published_at, a.reading_time_minutes, a.created_at, a.updated_at, a.listed_at, 0::real
FROM articles a WHERE a.status IN ('published', 'scheduled') AND a.listed_at <= now()
ORDER BY a.listed_at DESC, a.id DESC LIMIT 21;
SELECT COALESCE((SELECT published FROM article_counts WHERE category_id IS NULL AND tag_id IS NULL), 0)
     - (SELECT count(*) FROM articles a WHERE a.status = 'published' AND a.listed_at > now())
     + (SELECT count(*) FROM articles a WHERE a.status = 'scheduled' AND a.listed_at <= now());
