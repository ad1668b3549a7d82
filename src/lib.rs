//! The Perfusion Partners API: a headless JSON REST service with the content and community of a
//! resource for perfusionists. `startup::Application` is the server; `main.rs` starts it.

pub mod api;
pub mod auth;
pub mod backup;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod embedded_pg;
pub mod errors;
pub mod http;
pub mod mail;
pub mod models;
pub mod openapi;
pub mod outbox;
pub mod rate_limit;
pub mod response_cache;
pub mod schema;
pub mod search_index;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod webhooks;
pub mod worker;
