//! The types of perfusion (`practice_types`); the steps of practice are in `practice_step`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::Tx;
use crate::schema::practice_types as types;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = types, check_for_backend(diesel::pg::Pg))]
pub struct PracticeType {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub summary: String,
    pub source_url: Option<String>,
    pub position: i32,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = types)]
pub struct NewPracticeType {
    pub slug: String,
    pub name: String,
    pub summary: String,
    pub source_url: Option<String>,
    /// After the last type when absent.
    pub position: Option<i32>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = types)]
pub struct PracticeTypeChangeset {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub summary: Option<String>,
    pub source_url: Option<Option<String>>,
    pub position: Option<i32>,
}

/// Every type, in order.
pub async fn list(conn: &mut AsyncPgConnection) -> QueryResult<Vec<PracticeType>> {
    types::table
        .select(PracticeType::as_select())
        .order((types::position.asc(), types::id.asc()))
        .load(conn)
        .await
}

pub async fn find(conn: &mut AsyncPgConnection, slug: &str) -> QueryResult<PracticeType> {
    types::table
        .filter(types::slug.eq(slug))
        .select(PracticeType::as_select())
        .first(conn)
        .await
}

pub async fn find_for_update(tx: &mut Tx<'_>, slug: &str) -> QueryResult<PracticeType> {
    types::table
        .filter(types::slug.eq(slug))
        .select(PracticeType::as_select())
        .for_update()
        .first(&mut **tx)
        .await
}

/// Adds a type; without a position, after the last one.
pub async fn insert(tx: &mut Tx<'_>, new: &NewPracticeType) -> QueryResult<PracticeType> {
    let mut new = new.clone();
    if new.position.is_none() {
        let last: Option<i32> = types::table
            .select(diesel::dsl::max(types::position))
            .first(&mut **tx)
            .await?;
        new.position = Some(last.map_or(1, |p| p.saturating_add(1)));
    }
    diesel::insert_into(types::table)
        .values(&new)
        .returning(PracticeType::as_returning())
        .get_result(&mut **tx)
        .await
}

pub async fn update(
    tx: &mut Tx<'_>,
    id: i64,
    changes: &PracticeTypeChangeset,
) -> QueryResult<PracticeType> {
    let empty = changes.slug.is_none()
        && changes.name.is_none()
        && changes.summary.is_none()
        && changes.source_url.is_none()
        && changes.position.is_none();
    if empty {
        return types::table
            .find(id)
            .select(PracticeType::as_select())
            .first(&mut **tx)
            .await;
    }
    diesel::update(types::table.find(id))
        .set(changes)
        .returning(PracticeType::as_returning())
        .get_result(&mut **tx)
        .await
}

pub async fn delete(tx: &mut Tx<'_>, slug: &str) -> QueryResult<bool> {
    diesel::delete(types::table.filter(types::slug.eq(slug)))
        .execute(&mut **tx)
        .await
        .map(|n| n > 0)
}
