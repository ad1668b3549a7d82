-- Search as you type, and "did you mean" (issue 18).
--
-- article_search_query(q): the reader's words in web-search syntax (websearch_to_tsquery), with
-- the last word also matching as a prefix when it is a plain word typed last (`oxygen` finds
-- "oxygenator"): `heart oxy` is websearch_to_tsquery('heart') && ('oxi':* | 'oxy':*), the
-- prefix both stemmed (english) and as typed (simple), since the stem of a word cut short is
-- not always a prefix of the whole word's ("oxy" stems to "oxi"). A word typed past its stem
-- ("oxygenat", whose stem "oxygen" the vectors hold) matches once it is whole again.
-- A last word after a quote, a minus or a hyphen, or the word `or`, is left to websearch as
-- typed. Only letters and digits reach to_tsquery, so no operator can be smuggled in. One
-- SQL expression (no FROM), so PostgreSQL inlines it; immutable, so a bound `q` is folded once.
CREATE FUNCTION article_search_query(q text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE
    WHEN q !~ '(^|\s)[[:alnum:]]+\s*$' OR lower(substring(q FROM '([[:alnum:]]+)\s*$')) = 'or'
    THEN websearch_to_tsquery('english', q)
    WHEN q ~ '^\s*[[:alnum:]]+\s*$'
    THEN to_tsquery('english', substring(q FROM '([[:alnum:]]+)\s*$') || ':*')
         || to_tsquery('simple', substring(q FROM '([[:alnum:]]+)\s*$') || ':*')
    ELSE websearch_to_tsquery('english', substring(q FROM '^(.*\s)[[:alnum:]]+\s*$'))
         && (to_tsquery('english', substring(q FROM '([[:alnum:]]+)\s*$') || ':*')
             || to_tsquery('simple', substring(q FROM '([[:alnum:]]+)\s*$') || ':*'))
END;

-- The words of article titles (3 characters or more, lower case), for the suggestions a search
-- with no hit offers (src/models/article.rs, `suggest`): kept by a trigger on every insert and
-- title change; a word is never removed (a suggestion is only made when it finds a public
-- article, so a word left by a draft or an old title suggests nothing).
CREATE TABLE search_title_words (word TEXT PRIMARY KEY);

CREATE FUNCTION search_title_words_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_title_words (word)
    SELECT DISTINCT w FROM regexp_split_to_table(lower(NEW.title), '[^[:alnum:]]+') w
    WHERE char_length(w) BETWEEN 3 AND 60
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER articles_title_words AFTER INSERT OR UPDATE OF title ON articles
    FOR EACH ROW EXECUTE FUNCTION search_title_words_add();

INSERT INTO search_title_words (word)
SELECT DISTINCT w FROM articles, regexp_split_to_table(lower(title), '[^[:alnum:]]+') w
WHERE char_length(w) BETWEEN 3 AND 60
ON CONFLICT DO NOTHING;

-- pg_trgm (PostgreSQL's contrib, a trusted extension) finds the nearest title word. A server
-- without it still migrates: the search then offers no suggestion and logs why.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        EXECUTE 'CREATE INDEX search_title_words_trgm ON search_title_words USING gin (word gin_trgm_ops)';
    ELSE
        RAISE WARNING 'pg_trgm is not available: searches will offer no suggestion';
    END IF;
END
$$;
