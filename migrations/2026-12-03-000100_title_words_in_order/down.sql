DROP TRIGGER articles_title_words_inserted ON articles;
DROP FUNCTION search_title_words_add_inserted();
DROP TRIGGER articles_title_words ON articles;
CREATE TRIGGER articles_title_words AFTER INSERT OR UPDATE OF title ON articles
    FOR EACH ROW EXECUTE FUNCTION search_title_words_add();
