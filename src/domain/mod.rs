//! Validated domain types. Each has a `parse` that returns the value or a plain-words reason;
//! once parsed, a value cannot be invalid. Handlers turn the reason into a field error.

/// Stores a domain enum in a text column: `as_str` writes it, `parse` reads it back, so a row
/// struct holds the typed value. A stored value that does not parse is a read error (one logged
/// 500), never a silent default. The type derives `AsExpression, FromSqlRow` with
/// `#[diesel(sql_type = Text)]`.
macro_rules! text_column {
    ($t:ty) => {
        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for $t {
            fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = <String as diesel::deserialize::FromSql<
                    diesel::sql_types::Text,
                    diesel::pg::Pg,
                >>::from_sql(bytes)?;
                Ok(Self::parse(&text).map_err(|e| format!("stored {}: {e}", stringify!($t)))?)
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $t {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg>>::to_sql(
                    self.as_str(),
                    out,
                )
            }
        }
    };
}

/// `as_str`, `parse` and `ALL` of a closed set of names, written once.
macro_rules! names {
    ($t:ident { $($variant:ident = $name:literal),+ $(,)? }) => {
        impl $t {
            /// Every value, in the order the spec lists them.
            pub const ALL: &'static [$t] = &[$($t::$variant),+];

            /// Its name, as stored and as sent.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($t::$variant => $name),+
                }
            }

            pub fn parse(s: &str) -> Result<Self, String> {
                match s {
                    $($name => Ok($t::$variant),)+
                    _ => Err(format!(
                        "must be one of {}",
                        [$(concat!("`", $name, "`")),+].join(", ")
                    )),
                }
            }
        }

        text_column!($t);
    };
}

mod accreditation_status;
mod article_status;
mod audit;
pub mod chart;
mod email;
mod markdown;
mod metric_unit;
mod past_date;
mod projection;
mod role;
pub mod search_words;
mod slug;
mod subscriber_status;
mod text;
mod token;
mod topic;
mod us_state;
mod web_url;
pub mod webhook;
mod year;

pub use accreditation_status::AccreditationStatus;
pub use article_status::ArticleStatus;
pub use audit::{changed_fields, AuditAction, ResourceType};
pub use email::Email;
pub use markdown::{plain_text, Markdown, MAX_MARKDOWN_BYTES};
pub use metric_unit::MetricUnit;
pub use past_date::{check_figure_dates, figure_date_label, PastDate};
pub use projection::{ProjectedYear, Projection};
pub use role::Role;
pub use slug::Slug;
pub use subscriber_status::{ConfirmStep, SignUpStep, SubscriberStatus};
pub use text::{forbidden_char, BoundedText, Password};
pub use token::{new_token, token_hash, TOKEN_LEN};
pub use topic::Topic;
pub use us_state::UsState;
pub use web_url::WebUrl;
pub use year::Year;
