//! Row structs and the queries on them. SQL lives here and nowhere else; row structs never
//! reach JSON (the API layer has its own response types).

pub mod admin_user;
pub mod article;
pub mod category;
pub mod certification;
pub mod history_event;
pub mod practice;
pub mod staffing;
pub mod subscriber;
pub mod tag;
