DROP TABLE article_slug_redirects;
DROP TABLE article_tags;
DROP TABLE articles;
DROP TABLE tags;
DROP TABLE categories;
