//! The API's tests: one binary, each test with its own database and server.

mod acknowledged_writes;
mod admin;
mod articles;
mod audit;
mod backups;
mod charts;
mod credentials;
mod embeds;
mod errors;
mod faults;
mod health;
mod helpers;
mod history_events;
mod hostile_input;
mod http_semantics;
mod instances;
mod lifecycle;
mod oembed;
mod reference;
mod response_cache;
mod search;
mod slow_clients;
mod staffing;
mod subscriptions;
mod webhooks;
