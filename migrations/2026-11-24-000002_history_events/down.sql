DROP TABLE history_events;
