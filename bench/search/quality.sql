-- bench/search/run, last step: what each candidate puts in its first 20 hits, per query:
-- how many of today's first 20 (ts_rank on the weighted vector) it also has, and how many of
-- its 20 match the query in the title (title over excerpt over body: when at least 20 titles
-- match, a ranking that weighs titles most shows 20).
\set ON_ERROR_STOP on
\pset footer off
CREATE TEMP TABLE qs (q text);
INSERT INTO qs VALUES ('heparin anticoagulation'), ('oxygenator'), ('perfusion'), ('cardioplegia delivery'),
    ('ecmo cannulation bleeding'), ('salary negotiation'), ('thromboelastography'), ('pump failure drills');
CREATE TEMP TABLE hits (engine text, q text, id bigint);
INSERT INTO hits SELECT 'baseline', qs.q, t.id FROM qs, LATERAL (
    SELECT a.id FROM articles a, websearch_to_tsquery('english', qs.q) w
    WHERE a.status IN ('published', 'scheduled') AND a.listed_at <= now() AND a.search @@ w
    ORDER BY ts_rank(a.search, w) DESC, a.id DESC LIMIT 20) t;
INSERT INTO hits SELECT 'window', qs.q, t.id FROM qs, LATERAL (
    SELECT a.id FROM (SELECT id FROM articles, websearch_to_tsquery('english', qs.q) w
        WHERE status IN ('published', 'scheduled') AND listed_at <= now() AND search @@ w
        ORDER BY listed_at DESC, id DESC LIMIT 200) c JOIN articles a USING (id)
    ORDER BY ts_rank(a.search, websearch_to_tsquery('english', qs.q)) DESC, a.id DESC LIMIT 20) t;
\if :has_rum
INSERT INTO hits SELECT 'rum', qs.q, t.id FROM qs, LATERAL (
    SELECT a.id FROM articles a, websearch_to_tsquery('english', qs.q) w
    WHERE a.status IN ('published', 'scheduled') AND a.listed_at <= now() AND a.search @@ w
    ORDER BY a.search <=> w LIMIT 20) t;
INSERT INTO hits SELECT 'head_rum', qs.q, t.id FROM qs, LATERAL (
    SELECT a.id FROM articles a, websearch_to_tsquery('english', qs.q) w
    WHERE a.status IN ('published', 'scheduled') AND a.listed_at <= now() AND a.bench_head @@ w
    ORDER BY a.bench_head <=> w LIMIT 20) t;
\endif
SELECT qs.q AS query,
       (SELECT count(*) FROM articles a WHERE a.status IN ('published', 'scheduled') AND a.listed_at <= now()
          AND a.search @@ websearch_to_tsquery('english', qs.q)) AS matches,
       (SELECT count(*) FROM articles a WHERE a.status IN ('published', 'scheduled') AND a.listed_at <= now()
          AND to_tsvector('english', a.title) @@ websearch_to_tsquery('english', qs.q)) AS title_matches,
       string_agg(format('%s: %s same, %s titles', e.engine,
           (SELECT count(*) FROM hits h JOIN hits b ON b.id = h.id AND b.q = h.q AND b.engine = 'baseline'
            WHERE h.engine = e.engine AND h.q = qs.q),
           (SELECT count(*) FROM hits h JOIN articles a ON a.id = h.id
            WHERE h.engine = e.engine AND h.q = qs.q
              AND to_tsvector('english', a.title) @@ websearch_to_tsquery('english', qs.q))), '; ' ORDER BY e.engine) AS "first 20 hits"
FROM qs, (SELECT DISTINCT engine FROM hits) e
GROUP BY qs.q ORDER BY qs.q;
