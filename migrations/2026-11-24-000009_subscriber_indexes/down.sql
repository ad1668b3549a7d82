DROP INDEX subscribers_topics;
DROP INDEX subscribers_status;
