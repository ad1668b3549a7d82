DROP TABLE outbox;
DROP TABLE subscriber_tokens;
DROP TABLE subscribers;
