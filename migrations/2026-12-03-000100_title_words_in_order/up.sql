-- The title words of inserted articles are added once per statement, in word order. The row
-- trigger added each row's words as it came: two statements inserting many articles at once
-- (bench/run loads in one share per core) took the words' index entries in different orders
-- and could deadlock. Sorted, every statement takes them in the same order. A title change
-- stays a row trigger (PostgreSQL gives no transition table to a trigger with a column list).
DROP TRIGGER articles_title_words ON articles;

CREATE FUNCTION search_title_words_add_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_title_words (word)
    SELECT DISTINCT w FROM inserted, regexp_split_to_table(lower(inserted.title), '[^[:alnum:]]+') w
    WHERE char_length(w) BETWEEN 3 AND 60
    ORDER BY w
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER articles_title_words_inserted AFTER INSERT ON articles
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION search_title_words_add_inserted();

CREATE OR REPLACE FUNCTION search_title_words_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_title_words (word)
    SELECT DISTINCT w FROM regexp_split_to_table(lower(NEW.title), '[^[:alnum:]]+') w
    WHERE char_length(w) BETWEEN 3 AND 60
    ORDER BY w
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER articles_title_words AFTER UPDATE OF title ON articles
    FOR EACH ROW EXECUTE FUNCTION search_title_words_add();
