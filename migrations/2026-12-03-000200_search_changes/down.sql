DROP TRIGGER articles_search_updated ON articles;
DROP TRIGGER articles_search_deleted ON articles;
DROP TRIGGER articles_search_inserted ON articles;
DROP FUNCTION search_changes_updated();
DROP FUNCTION search_changes_inserted();
DROP TABLE search_changes;
