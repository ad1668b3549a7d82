//! The `tags` and `article_tags` tables. A tag is made on first use; its slug is its
//! case-insensitive identity.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::published::public;
use crate::db::Tx;
use crate::schema::{article_tags, articles, tags};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tags, check_for_backend(diesel::pg::Pg))]
pub struct Tag {
    pub id: i64,
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = tags)]
pub struct NewTag {
    pub slug: String,
    pub name: String,
}

/// The ids of these tags, making the ones that do not exist yet (in the caller's transaction).
pub async fn ensure(tx: &mut Tx<'_>, wanted: &[NewTag]) -> QueryResult<Vec<i64>> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    // In slug order, so that concurrent writers lock new tags in the same order (no deadlock).
    let mut wanted = wanted.to_vec();
    wanted.sort_by(|a, b| a.slug.cmp(&b.slug));
    diesel::insert_into(tags::table)
        .values(&wanted)
        .on_conflict(tags::slug)
        .do_nothing()
        .execute(&mut **tx)
        .await?;
    let slugs: Vec<&str> = wanted.iter().map(|t| t.slug.as_str()).collect();
    tags::table
        .filter(tags::slug.eq_any(slugs))
        .select(tags::id)
        .load(&mut **tx)
        .await
}

/// Replaces the tags of an article.
pub async fn set_for_article(tx: &mut Tx<'_>, article_id: i64, tag_ids: &[i64]) -> QueryResult<()> {
    diesel::delete(article_tags::table.filter(article_tags::article_id.eq(article_id)))
        .execute(&mut **tx)
        .await?;
    let rows: Vec<_> = tag_ids
        .iter()
        .map(|t| {
            (
                article_tags::article_id.eq(article_id),
                article_tags::tag_id.eq(*t),
            )
        })
        .collect();
    diesel::insert_into(article_tags::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The tags of each of these articles, in one query, each list ordered by slug.
pub async fn for_articles(
    conn: &mut AsyncPgConnection,
    article_ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<Tag>>> {
    let rows: Vec<(i64, Tag)> = article_tags::table
        .inner_join(tags::table)
        .filter(article_tags::article_id.eq_any(article_ids))
        .order((article_tags::article_id, tags::slug))
        .select((article_tags::article_id, Tag::as_select()))
        .load(conn)
        .await?;
    let mut map: HashMap<i64, Vec<Tag>> = HashMap::new();
    for (article, tag) in rows {
        map.entry(article).or_default().push(tag);
    }
    Ok(map)
}

pub async fn find_by_slug(conn: &mut AsyncPgConnection, slug: &str) -> QueryResult<Option<Tag>> {
    tags::table
        .filter(tags::slug.eq(slug))
        .select(Tag::as_select())
        .first(conn)
        .await
        .optional()
}

/// Up to `limit` tags that have articles the public can see `now`, by slug after `after`,
/// each with that count.
pub async fn list_public(
    conn: &mut AsyncPgConnection,
    after: Option<&str>,
    limit: i64,
    now: DateTime<Utc>,
) -> QueryResult<Vec<(Tag, i64)>> {
    let mut query = tags::table
        .inner_join(article_tags::table.inner_join(articles::table))
        .filter(public(now))
        .group_by(tags::id)
        .select((Tag::as_select(), diesel::dsl::count_star()))
        .order(tags::slug.asc())
        .limit(limit)
        .into_boxed();
    if let Some(slug) = after {
        query = query.filter(tags::slug.gt(slug.to_owned()));
    }
    query.load(conn).await
}

/// How many tags have articles the public can see `now`.
pub async fn count_public(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> QueryResult<i64> {
    tags::table
        .filter(diesel::dsl::exists(
            article_tags::table
                .inner_join(articles::table)
                .filter(article_tags::tag_id.eq(tags::id))
                .filter(public(now)),
        ))
        .count()
        .get_result(conn)
        .await
}
