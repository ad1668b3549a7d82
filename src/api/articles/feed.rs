//! The articles of the feeds (`/feeds/*`): the latest published, in full.

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use utoipa::IntoParams;

use super::list::ArticleListParams;
use super::representation::Article;
use crate::http::pagination::CursorKey;
use crate::{
    errors::ApiResult,
    models::article::{self},
};

/// The feeds' filters: `category` (slug; unknown is a 400) and `tag` (slug or name).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// Only articles in this category (its slug).
    #[param(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 120)]
    pub category: Option<String>,
    /// Only articles with this tag (its slug or name, any case); a name without letters or
    /// digits names no tag (a 400).
    #[param(inline, value_type = Option<crate::domain::BoundedText<1, 50>>)]
    pub tag: Option<String>,
}

/// The number of articles a feed carries.
pub const FEED_SIZE: i64 = 50;

/// The latest published articles for a feed, newest first, in full.
pub async fn latest_for_feed(
    conn: &mut AsyncPgConnection,
    params: &FeedParams,
    now: DateTime<Utc>,
    key: &CursorKey,
) -> ApiResult<Vec<Article>> {
    latest(conn, params, now, key, FEED_SIZE).await
}

/// Up to `limit` of the latest published articles matching `params`, newest first, in full.
pub async fn latest(
    conn: &mut AsyncPgConnection,
    params: &FeedParams,
    now: DateTime<Utc>,
    key: &CursorKey,
    limit: i64,
) -> ApiResult<Vec<Article>> {
    let query = ArticleListParams {
        category: params.category.clone(),
        tag: params.tag.clone(),
        ..Default::default()
    };
    let request = query.parse(None, now, key)?;
    let rows = article::latest_public(
        conn,
        request.filter.category.clone(),
        request.filter.tag.clone(),
        now,
        limit,
    )
    .await?;
    if rows.is_empty() {
        request.check_category(conn).await?;
    }
    Ok(rows
        .into_iter()
        .map(|(row, decoration)| Article::new(row, decoration, now))
        .collect())
}
