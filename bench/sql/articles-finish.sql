-- Synthetic articles, step 3 of 3 (see articles-prepare.sql): tags every synthetic article with
-- 2-4 tags (popular ones more often), rebuilds the indexes dropped in step 1 from their saved
-- definitions, and drops the bench_* tables.
\set ON_ERROR_STOP on
\if :{?seed}
\else
\set seed 0.42
\endif
SET client_min_messages = warning;
SET synchronous_commit = off;
SET maintenance_work_mem = '512MB';
SELECT setseed(:seed) \gset

BEGIN;

-- Weighted sampling without replacement: the top keys of random()^(1/weight).
INSERT INTO article_tags (article_id, tag_id)
SELECT a.id, t.id
FROM articles a
CROSS JOIN LATERAL (
    SELECT w.id FROM bench_tag_weights w
    WHERE a.id > 0
    ORDER BY random() ^ (1.0 / w.weight) DESC
    LIMIT 2 + (a.id % 3)
) t
WHERE a.slug ~ '-[0-9]{7}$';

DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT def FROM bench_saved_indexes LOOP
        EXECUTE r.def;
    END LOOP;
END
$$;

DROP TABLE bench_tag_weights, bench_saved_indexes, bench_subjects, bench_phrases, bench_heads;

COMMIT;
