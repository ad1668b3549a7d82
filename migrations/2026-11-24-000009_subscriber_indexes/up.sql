-- The admin list and export: by status (newest first, or oldest first for the export) and by topic.
CREATE INDEX subscribers_status ON subscribers (status, id);
CREATE INDEX subscribers_topics ON subscribers USING GIN (topics);
