//! What the public may see of the articles, as one predicate shared by the article lists and the
//! counts of categories and tags.

use chrono::{DateTime, Utc};
use diesel::dsl;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use crate::models::fixed_sql::{fixed, Fixed};
use crate::schema::articles;

/// The public predicate. The status test is literal SQL (not a bound parameter) so that the
/// planner can match the partial indexes `WHERE status IN ('published', 'scheduled')`; it is
/// [`Fixed`], so the statements that use it stay prepared.
pub type Public = dsl::And<Fixed<Bool>, dsl::LtEq<articles::listed_at, DateTime<Utc>>>;

pub fn public(now: DateTime<Utc>) -> Public {
    fixed::<Bool>("articles.status IN ('published', 'scheduled')").and(articles::listed_at.le(now))
}
