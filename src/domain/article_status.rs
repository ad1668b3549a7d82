//! The life of an article: `draft` → `scheduled` or `published` → `archived`.

use chrono::{DateTime, Utc};
use diesel::{deserialize::FromSqlRow, expression::AsExpression, sql_types::Text};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

// Stored as text (`articles.status`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, AsExpression, FromSqlRow,
)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "lowercase")]
pub enum ArticleStatus {
    Draft,
    Scheduled,
    Published,
    Archived,
}

impl ArticleStatus {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "draft" => Ok(Self::Draft),
            "scheduled" => Ok(Self::Scheduled),
            "published" => Ok(Self::Published),
            "archived" => Ok(Self::Archived),
            _ => Err("must be one of `draft`, `scheduled`, `published`, `archived`".into()),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Scheduled => "scheduled",
            Self::Published => "published",
            Self::Archived => "archived",
        }
    }

    /// The status a reader sees `now`: a scheduled article whose time has come is published.
    pub fn effective(self, published_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Self {
        match (self, published_at) {
            (Self::Scheduled, Some(t)) if t <= now => Self::Published,
            (s, _) => s,
        }
    }

    /// The `published_at` that goes with this status, or why the pair is impossible:
    /// `scheduled` needs a future time; `published` gets `now` when it has none and may not
    /// be in the future (that is `scheduled`).
    pub fn resolve_published_at(
        self,
        published_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, String> {
        match (self, published_at) {
            (Self::Scheduled, Some(t)) if t > now => Ok(Some(t)),
            (Self::Scheduled, _) => {
                Err("must be a time in the future when the status is `scheduled`".into())
            }
            (Self::Published, None) => Ok(Some(now)),
            (Self::Published, Some(t)) if t > now => Err(
                "is in the future; use the status `scheduled` to publish it at that time".into(),
            ),
            (_, t) => Ok(t),
        }
    }
}

text_column!(ArticleStatus);

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn scheduling_rules() {
        let now = Utc::now();
        let later = now + Duration::hours(1);
        let earlier = now - Duration::hours(1);
        use ArticleStatus::*;
        assert_eq!(
            Scheduled.resolve_published_at(Some(later), now),
            Ok(Some(later))
        );
        assert!(Scheduled.resolve_published_at(Some(earlier), now).is_err());
        assert!(Scheduled.resolve_published_at(None, now).is_err());
        assert_eq!(Published.resolve_published_at(None, now), Ok(Some(now)));
        assert_eq!(
            Published.resolve_published_at(Some(earlier), now),
            Ok(Some(earlier))
        );
        assert!(Published.resolve_published_at(Some(later), now).is_err());
        assert_eq!(Draft.resolve_published_at(None, now), Ok(None));
        assert_eq!(Scheduled.effective(Some(earlier), now), Published);
        assert_eq!(Scheduled.effective(Some(later), now), Scheduled);
        assert!(ArticleStatus::parse("live").is_err());
    }
}
