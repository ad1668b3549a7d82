DROP INDEX IF EXISTS articles_scheduled_due;
DROP TABLE IF EXISTS webhook_announcements;
DROP TABLE IF EXISTS webhook_attempts;
DROP TABLE IF EXISTS webhook_deliveries;
DROP TABLE IF EXISTS webhook_events;
DROP TABLE IF EXISTS webhook_endpoints;
