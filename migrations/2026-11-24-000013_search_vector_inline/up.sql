-- Ranking a search scores every matching article with ts_rank, which reads its whole search
-- vector. An article's vector (2-3 KB for a few KB of text) barely compresses, so with the
-- default storage it went out of line: one TOAST lookup per match, most of a search's time.
-- MAIN keeps it in the row (the bodies still go out of line first); a bench/run search over
-- 100,000 articles with 7,700 matches took half the time. Rows written before this keep their
-- storage until they are next updated.
ALTER TABLE articles ALTER COLUMN search SET STORAGE MAIN;
