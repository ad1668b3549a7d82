//! Row structs and the queries on them. SQL lives here and nowhere else; row structs never
//! reach JSON (the API layer has its own response types).

pub mod admin_user;
pub mod article;
pub mod audit_entry;
pub mod category;
pub mod certification;
pub mod certification_step;
pub mod fixed_sql;
pub mod history_event;
pub mod licensure;
mod ordered_steps;
pub mod practice_step;
pub mod practice_type;
pub mod program;
pub mod published;
pub mod rate_limit;
pub mod search_document;
pub mod staffing;
pub mod subscriber;
pub mod tag;
pub mod webhook;
