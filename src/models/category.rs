//! The `categories` table: the sections articles are filed in.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use std::collections::HashMap;

use super::published::public;
use crate::db::Tx;
use crate::schema::{articles, categories};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = categories, check_for_backend(diesel::pg::Pg))]
pub struct Category {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub position: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = categories)]
pub struct NewCategory {
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub position: i32,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = categories)]
pub struct CategoryChangeset {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub position: Option<i32>,
}

impl CategoryChangeset {
    pub fn is_empty(&self) -> bool {
        self.slug.is_none()
            && self.name.is_none()
            && self.description.is_none()
            && self.position.is_none()
    }
}

/// Up to `limit` categories in (position, id) order after `after`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    after: Option<(i32, i64)>,
    limit: i64,
) -> QueryResult<Vec<Category>> {
    let mut query = categories::table
        .select(Category::as_select())
        .order((categories::position.asc(), categories::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some((position, id)) = after {
        query = query.filter(
            categories::position
                .gt(position)
                .or(categories::position.eq(position).and(categories::id.gt(id))),
        );
    }
    query.load(conn).await
}

/// Like [`list`], each category with how many of its articles the public can see `now`.
pub async fn list_with_counts(
    conn: &mut AsyncPgConnection,
    after: Option<(i32, i64)>,
    limit: i64,
    now: DateTime<Utc>,
) -> QueryResult<Vec<(Category, i64)>> {
    let rows = list(conn, after, limit).await?;
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let counts = published_counts(conn, &ids, now).await?;
    Ok(rows
        .into_iter()
        .map(|c| {
            let n = counts.get(&c.id).copied().unwrap_or(0);
            (c, n)
        })
        .collect())
}

/// How many articles the public can see `now` in each of these categories (absent: none).
pub async fn published_counts(
    conn: &mut AsyncPgConnection,
    ids: &[i64],
    now: DateTime<Utc>,
) -> QueryResult<HashMap<i64, i64>> {
    let rows: Vec<(i64, i64)> = articles::table
        .filter(articles::category_id.eq_any(ids))
        .filter(public(now))
        .group_by(articles::category_id)
        .select((articles::category_id, diesel::dsl::count_star()))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

pub async fn count(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    categories::table.count().get_result(conn).await
}

pub async fn find_by_slug(conn: &mut AsyncPgConnection, slug: &str) -> QueryResult<Category> {
    categories::table
        .filter(categories::slug.eq(slug))
        .select(Category::as_select())
        .first(conn)
        .await
}

pub async fn find_for_update(tx: &mut Tx<'_>, slug: &str) -> QueryResult<Category> {
    categories::table
        .filter(categories::slug.eq(slug))
        .select(Category::as_select())
        .for_update()
        .first(&mut **tx)
        .await
}

/// The categories with these ids (to attach to a page of articles in one query).
pub async fn by_ids(conn: &mut AsyncPgConnection, ids: &[i64]) -> QueryResult<Vec<Category>> {
    categories::table
        .filter(categories::id.eq_any(ids))
        .select(Category::as_select())
        .load(conn)
        .await
}

pub async fn insert(tx: &mut Tx<'_>, new: &NewCategory) -> QueryResult<Category> {
    diesel::insert_into(categories::table)
        .values(new)
        .returning(Category::as_returning())
        .get_result(&mut **tx)
        .await
}

pub async fn update(
    tx: &mut Tx<'_>,
    id: i64,
    changes: &CategoryChangeset,
) -> QueryResult<Category> {
    if changes.is_empty() {
        return categories::table
            .find(id)
            .select(Category::as_select())
            .first(&mut **tx)
            .await;
    }
    diesel::update(categories::table.find(id))
        .set(changes)
        .returning(Category::as_returning())
        .get_result(&mut **tx)
        .await
}

/// True when any article (whatever its status) is filed in the category.
pub async fn has_articles(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        articles::table.filter(articles::category_id.eq(id)),
    ))
    .get_result(conn)
    .await
}

pub async fn delete(tx: &mut Tx<'_>, id: i64) -> QueryResult<bool> {
    diesel::delete(categories::table.find(id))
        .execute(&mut **tx)
        .await
        .map(|n| n > 0)
}
