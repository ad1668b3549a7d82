-- bench/search/run, step 1: what the candidate engines need beside today's schema, on the
-- throw-away bench database only: the RUM extension and index (when the server has it), a small
-- title + excerpt vector ("head") with its RUM index, and pg_trgm for the suggestions.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET maintenance_work_mem = '512MB';
SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'rum') AS has_rum \gset
\if :has_rum
CREATE EXTENSION IF NOT EXISTS rum;
CREATE INDEX IF NOT EXISTS bench_search_rum ON articles USING rum (search rum_tsvector_ops);
ALTER TABLE articles ADD COLUMN IF NOT EXISTS bench_head tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', excerpt), 'B')
) STORED;
CREATE INDEX IF NOT EXISTS bench_head_rum ON articles USING rum (bench_head rum_tsvector_ops);
\else
\echo 'rum is not installed on this server: the rum candidates are skipped'
\endif
VACUUM ANALYZE articles;
