DROP TRIGGER articles_title_words ON articles;
DROP FUNCTION search_title_words_add();
DROP TABLE search_title_words;
DROP FUNCTION article_search_query(text);
