-- EXPLAIN (ANALYZE, BUFFERS) of the article list statements, written by hand after the SQL that
-- diesel generates in src/models/article.rs (`list` and `count` over `filtered`), for when
-- bench/run cannot read the server's log (DATABASE_URL set): on its own private cluster it
-- captures and explains the exact statements instead (bench/lib/explain.py).
--   psql -v category=SLUG -v tag=SLUG -v q='words' -v after_t='listed_at' -v after_id=N -f explain.sql
-- The page statements ask for limit + 1 = 21 rows; `count` is the page's meta.total.
\set ON_ERROR_STOP off
\pset pager off
SELECT now() AS now \gset
SELECT id AS category_id FROM categories WHERE slug = :'category' \gset
SELECT id AS tag_id FROM tags WHERE slug = :'tag' \gset

\echo ''
\echo '=== page_1: page (limit + 1 rows) ==='
\echo '-- hand-written equivalent:'
EXPLAIN (ANALYZE, BUFFERS)
SELECT "articles"."id", "articles"."slug", "articles"."title", "articles"."excerpt", "articles"."category_id", "articles"."author_id", "articles"."featured_image_url", "articles"."featured_image_alt", "articles"."status", "articles"."published_at", "articles"."reading_time_minutes", "articles"."created_at", "articles"."updated_at", "articles"."listed_at", 0::real
FROM "articles"
WHERE (articles.status IN ('published', 'scheduled') AND ("articles"."listed_at" <= :'now'))
ORDER BY "articles"."listed_at" DESC, "articles"."id" DESC LIMIT 21;

\echo ''
\echo '=== page_1: count (meta.total) ==='
\echo '-- hand-written equivalent:'
EXPLAIN (ANALYZE, BUFFERS)
SELECT COUNT(*) FROM "articles"
WHERE (articles.status IN ('published', 'scheduled') AND ("articles"."listed_at" <= :'now'));

\echo ''
\echo '=== category: page (limit + 1 rows) ==='
\echo '-- hand-written equivalent:'
EXPLAIN (ANALYZE, BUFFERS)
SELECT "articles"."id", "articles"."slug", "articles"."title", "articles"."excerpt", "articles"."category_id", "articles"."author_id", "articles"."featured_image_url", "articles"."featured_image_alt", "articles"."status", "articles"."published_at", "articles"."reading_time_minutes", "articles"."created_at", "articles"."updated_at", "articles"."listed_at", 0::real
FROM "articles"
WHERE ((articles.status IN ('published', 'scheduled') AND ("articles"."listed_at" <= :'now')) AND ("articles"."category_id" = :category_id))
ORDER BY "articles"."listed_at" DESC, "articles"."id" DESC LIMIT 21;

\echo ''
\echo '=== category: count (meta.total) ==='
\echo '-- hand-written equivalent:'
EXPLAIN (ANALYZE, BUFFERS)
SELECT COUNT(*) FROM "articles"
WHERE ((articles.status IN ('published', 'scheduled') AND ("articles"."listed_at" <= :'now')) AND ("articles"."category_id" = :category_id));

\echo ''
\echo '=== tag: page (limit + 1 rows) ==='
\echo '-- hand-written equivalent:'
EXPLAIN (ANALYZE, BUFFERS)
SELECT "articles"."id", "articles"."slug", "articles"."title", "articles"."excerpt", "articles"."category_id", "articles"."author_id", "articles"."featured_image_url", "articles"."featured_image_alt", "articles"."status", "articles"."published_at", "articles"."reading_time_minutes", "articles"."created_at", "articles"."updated_at", "articles"."listed_at", 0::real
FROM "articles"
WHERE ((articles.status IN ('published', 'scheduled') AND ("articles"."listed_at" <= :'now')) AND ("articles"."id" = ANY(SELECT "article_tags"."article_id" FROM "article_tags" WHERE ("article_tags"."tag_id" = :tag_id))))
ORDER BY "articles"."listed_at" DESC, "articles"."id" DESC LIMIT 21;

\echo ''
\echo '=== tag: count (meta.total) ==='
\echo '-- hand-written equivalent:'
EXPLAIN (ANALYZE, BUFFERS)
SELECT COUNT(*) FROM "articles"
WHERE ((articles.status IN ('published', 'scheduled') AND ("articles"."listed_at" <= :'now')) AND ("articles"."id" = ANY(SELECT "article_tags"."article_id" FROM "article_tags" WHERE ("article_tags"."tag_id" = :tag_id))));

\echo ''
\echo '=== deep_page: page (limit + 1 rows) ==='
\echo '-- hand-written equivalent:'
EXPLAIN (ANALYZE, BUFFERS)
SELECT "articles"."id", "articles"."slug", "articles"."title", "articles"."excerpt", "articles"."category_id", "articles"."author_id", "articles"."featured_image_url", "articles"."featured_image_alt", "articles"."status", "articles"."published_at", "articles"."reading_time_minutes", "articles"."created_at", "articles"."updated_at", "articles"."listed_at", 0::real
FROM "articles"
WHERE ((articles.status IN ('published', 'scheduled') AND ("articles"."listed_at" <= :'now')) AND (articles.listed_at, articles.id) < (:'after_t'::timestamptz, :after_id))
ORDER BY "articles"."listed_at" DESC, "articles"."id" DESC LIMIT 21;

\echo ''
\echo '=== search: page (limit + 1 rows) ==='
\echo '-- hand-written equivalent:'
EXPLAIN (ANALYZE, BUFFERS)
SELECT "articles"."id", "articles"."slug", "articles"."title", "articles"."excerpt", "articles"."category_id", "articles"."author_id", "articles"."featured_image_url", "articles"."featured_image_alt", "articles"."status", "articles"."published_at", "articles"."reading_time_minutes", "articles"."created_at", "articles"."updated_at", "articles"."listed_at", ts_rank(articles.search, article_search_query(:'q'))
FROM "articles"
WHERE ((articles.status IN ('published', 'scheduled') AND ("articles"."listed_at" <= :'now')) AND articles.search @@ article_search_query(:'q'))
ORDER BY ts_rank(articles.search, article_search_query(:'q')) DESC, "articles"."id" DESC LIMIT 21;

\echo ''
\echo '=== search: count (meta.total) ==='
\echo '-- hand-written equivalent:'
EXPLAIN (ANALYZE, BUFFERS)
SELECT COUNT(*) FROM "articles"
WHERE ((articles.status IN ('published', 'scheduled') AND ("articles"."listed_at" <= :'now')) AND articles.search @@ article_search_query(:'q'));
