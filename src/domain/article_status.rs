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

/// Where an article stands: its status and publication time.
pub type Standing = (ArticleStatus, Option<DateTime<Utc>>);

impl ArticleStatus {
    /// The standing a change asks for, from the stored one: start from what a reader sees
    /// `now` (a scheduled article whose time has come is published), apply the requested
    /// status and time (`None`: unchanged; `Some(None)`: cleared), and check the pair with
    /// [`resolve_published_at`](Self::resolve_published_at). Publishing a scheduled article
    /// early publishes it now. `Ok(None)` when the change touches neither.
    pub fn transition(
        stored: Standing,
        status: Option<ArticleStatus>,
        published_at: Option<Option<DateTime<Utc>>>,
        now: DateTime<Utc>,
    ) -> Result<Option<Standing>, String> {
        if status.is_none() && published_at.is_none() {
            return Ok(None);
        }
        let (stored_status, stored_at) = stored;
        let status = status.unwrap_or(stored_status.effective(stored_at, now));
        let published_at = match published_at {
            Some(t) => t,
            None if status == Self::Published && stored_at.is_some_and(|t| t > now) => None,
            None => stored_at,
        };
        let published_at = status.resolve_published_at(published_at, now)?;
        Ok(Some((status, published_at)))
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

    #[test]
    fn a_change_moves_an_article_from_what_readers_see_now() {
        let now = Utc::now();
        let later = now + Duration::hours(1);
        let earlier = now - Duration::hours(1);
        use ArticleStatus::*;
        let t = ArticleStatus::transition;
        // Nothing asked: nothing changes.
        assert_eq!(t((Draft, None), None, None, now), Ok(None));
        // Publishing a draft stamps it now; publishing a scheduled one early, too.
        assert_eq!(
            t((Draft, None), Some(Published), None, now),
            Ok(Some((Published, Some(now))))
        );
        assert_eq!(
            t((Scheduled, Some(later)), Some(Published), None, now),
            Ok(Some((Published, Some(now))))
        );
        // A scheduled article whose time has come is published: moving only its time keeps
        // it published, so a future time is refused (that would be `scheduled`).
        assert!(t((Scheduled, Some(earlier)), None, Some(Some(later)), now).is_err());
        // Scheduling needs a future time, kept from the stored one when not given.
        assert_eq!(
            t((Scheduled, Some(later)), Some(Scheduled), None, now),
            Ok(Some((Scheduled, Some(later))))
        );
        assert!(t((Draft, None), Some(Scheduled), None, now).is_err());
        // Unpublishing keeps the time it was published at.
        assert_eq!(
            t((Published, Some(earlier)), Some(Draft), None, now),
            Ok(Some((Draft, Some(earlier))))
        );
    }
}
