-- Synthetic articles, step 2 of 3 (see articles-prepare.sql): writes the bodies of the share
-- :part of :parts of bench_heads and inserts those articles. bench/run runs the shares at once,
-- one per core.
\set ON_ERROR_STOP on
\if :{?seed}
\else
\set seed 0.42
\endif
SET client_min_messages = warning;
SET synchronous_commit = off;
SET work_mem = '256MB';
SET jit = off;
SELECT setseed(least(1.0, :seed + :part / 100.0)) \gset

-- The bodies: an introduction, then sections of a heading, a paragraph, a list or a paragraph,
-- and a paragraph, to the article's target size (2-6 KB). The sentences of a paragraph come in
-- any order, the same in its Markdown and its HTML (one aggregate pass makes both).
INSERT INTO articles (slug, title, excerpt, body_markdown, body_html, category_id,
                      featured_image_url, featured_image_alt, status, published_at,
                      reading_time_minutes, created_at, updated_at)
WITH counts AS (
    SELECT kind, theme, count(*) AS cnt FROM bench_phrases GROUP BY kind, theme
), blocks AS (
    SELECT h.n, h.theme AS article_theme, k,
           CASE WHEN k = 1 THEN 'p' WHEN k % 4 = 2 THEN 'h'
                WHEN k % 4 = 0 AND random() < 0.5 THEN 'l' ELSE 'p' END AS kind
    FROM bench_heads h, generate_series(1, greatest(3, h.target_bytes / 245)) k
    WHERE h.n % :parts = :part
), draws AS (
    SELECT b.n, b.k, b.kind, j,
           CASE WHEN b.kind = 'p' AND random() < 0.8 THEN b.article_theme ELSE 0 END AS theme
    FROM blocks b
    CROSS JOIN LATERAL generate_series(1, CASE b.kind WHEN 'h' THEN 1 ELSE 3 + floor(random() * 3)::int END) j
), parts AS (
    SELECT d.n, d.k, d.kind, d.j, d.theme, 1 + floor(random() * c.cnt)::int AS idx
    FROM draws d
    JOIN counts c ON c.kind = d.kind AND c.theme = d.theme
), texts AS (
    SELECT p.n, p.k, p.kind, p.j, ph.md, ph.html, ph.words
    FROM parts p
    JOIN bench_phrases ph ON ph.kind = p.kind AND ph.theme = p.theme AND ph.idx = p.idx
), rendered AS (
    SELECT n, k,
           CASE kind WHEN 'h' THEN '## ' || string_agg(md, '')
                     WHEN 'p' THEN string_agg(md, ' ')
                     ELSE '- ' || string_agg(md, E'\n- ') END AS md,
           CASE kind WHEN 'h' THEN '<h2>' || string_agg(html, '') || '</h2>'
                     WHEN 'p' THEN '<p>' || string_agg(html, ' ') || '</p>'
                     ELSE E'<ul>\n<li>' || string_agg(html, E'</li>\n<li>') || E'</li>\n</ul>' END AS html,
           sum(words) AS words
    FROM texts
    GROUP BY n, k, kind
), bodies AS (
    SELECT n, string_agg(md, E'\n\n' ORDER BY k) || E'\n' AS md,
           string_agg(html, E'\n' ORDER BY k) || E'\n' AS html, sum(words) AS words
    FROM rendered
    GROUP BY n
)
SELECT trim(BOTH '-' FROM left(trim(BOTH '-' FROM regexp_replace(lower(h.title), '[^a-z0-9]+', '-', 'g')), 100))
           || '-' || lpad(h.n::text, 7, '0') AS slug,
       h.title, h.excerpt, b.md AS body_markdown, b.html AS body_html, cat.id AS category_id,
       CASE WHEN h.image THEN 'https://images.perfusion-partners.example/articles/' || h.n || '.jpg' END
           AS featured_image_url,
       CASE WHEN h.image THEN 'Illustration: ' || lower(h.subject) END AS featured_image_alt,
       h.status, h.published_at, greatest(1, round(b.words / 200.0))::int AS reading_time_minutes,
       h.created_at, h.updated_at
FROM bench_heads h
JOIN bodies b USING (n)
JOIN (SELECT id, row_number() OVER (ORDER BY position, id) AS category FROM categories
      WHERE slug IN ('career-development', 'perfusion-research', 'career-opportunities',
                     'leadership-training')) cat ON cat.category = h.category;
