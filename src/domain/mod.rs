//! Validated domain types. Each has a `parse` that returns the value or a plain-words reason;
//! once parsed, a value cannot be invalid. Handlers turn the reason into a field error.

mod article_status;
mod email;
mod markdown;
mod metric_unit;
mod projection;
mod role;
mod slug;
mod text;
mod token;
mod topic;
mod web_url;
mod year;

pub use article_status::ArticleStatus;
pub use email::Email;
pub use markdown::{Markdown, MAX_MARKDOWN_BYTES};
pub use metric_unit::MetricUnit;
pub use projection::{ProjectedYear, Projection};
pub use role::Role;
pub use slug::Slug;
pub use text::{BoundedText, Password};
pub use token::{new_token, token_hash, TOKEN_LEN};
pub use topic::Topic;
pub use web_url::WebUrl;
pub use year::Year;
