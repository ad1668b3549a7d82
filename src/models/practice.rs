//! The `practice_types` and `practice_steps` tables: perfusion in practice.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::Tx;
use crate::schema::{practice_steps as steps, practice_types as types};

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

#[derive(Debug, Insertable)]
#[diesel(table_name = types)]
pub struct NewPracticeType {
    pub slug: String,
    pub name: String,
    pub summary: String,
    pub source_url: Option<String>,
    pub position: i32,
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

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = steps, check_for_backend(diesel::pg::Pg))]
pub struct PracticeStep {
    pub id: i64,
    pub position: i32,
    pub title: String,
    pub detail: Option<String>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = steps)]
pub struct NewPracticeStep {
    pub position: i32,
    pub title: String,
    pub detail: Option<String>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = steps)]
pub struct PracticeStepChangeset {
    pub position: Option<i32>,
    pub title: Option<String>,
    pub detail: Option<Option<String>>,
}

/// Every type, in order.
pub async fn types(conn: &mut AsyncPgConnection) -> QueryResult<Vec<PracticeType>> {
    types::table
        .select(PracticeType::as_select())
        .order((types::position.asc(), types::id.asc()))
        .load(conn)
        .await
}

/// Every step, in order.
pub async fn steps(conn: &mut AsyncPgConnection) -> QueryResult<Vec<PracticeStep>> {
    steps::table
        .select(PracticeStep::as_select())
        .order((steps::position.asc(), steps::id.asc()))
        .load(conn)
        .await
}

pub async fn find_type(conn: &mut AsyncPgConnection, slug: &str) -> QueryResult<PracticeType> {
    types::table
        .filter(types::slug.eq(slug))
        .select(PracticeType::as_select())
        .first(conn)
        .await
}

pub async fn find_type_for_update(tx: &mut Tx<'_>, slug: &str) -> QueryResult<PracticeType> {
    types::table
        .filter(types::slug.eq(slug))
        .select(PracticeType::as_select())
        .for_update()
        .first(&mut **tx)
        .await
}

pub async fn insert_type(tx: &mut Tx<'_>, new: &NewPracticeType) -> QueryResult<PracticeType> {
    diesel::insert_into(types::table)
        .values(new)
        .returning(PracticeType::as_returning())
        .get_result(&mut **tx)
        .await
}

pub async fn update_type(
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

pub async fn delete_type(tx: &mut Tx<'_>, slug: &str) -> QueryResult<bool> {
    diesel::delete(types::table.filter(types::slug.eq(slug)))
        .execute(&mut **tx)
        .await
        .map(|n| n > 0)
}

pub async fn find_step(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<PracticeStep> {
    steps::table
        .find(id)
        .select(PracticeStep::as_select())
        .first(conn)
        .await
}

pub async fn find_step_for_update(tx: &mut Tx<'_>, id: i64) -> QueryResult<PracticeStep> {
    steps::table
        .find(id)
        .select(PracticeStep::as_select())
        .for_update()
        .first(&mut **tx)
        .await
}

pub async fn insert_step(tx: &mut Tx<'_>, new: &NewPracticeStep) -> QueryResult<PracticeStep> {
    diesel::insert_into(steps::table)
        .values(new)
        .returning(PracticeStep::as_returning())
        .get_result(&mut **tx)
        .await
}

pub async fn update_step(
    tx: &mut Tx<'_>,
    id: i64,
    changes: &PracticeStepChangeset,
) -> QueryResult<PracticeStep> {
    if changes.position.is_none() && changes.title.is_none() && changes.detail.is_none() {
        return find_step(tx, id).await;
    }
    diesel::update(steps::table.find(id))
        .set(changes)
        .returning(PracticeStep::as_returning())
        .get_result(&mut **tx)
        .await
}

pub async fn delete_step(tx: &mut Tx<'_>, id: i64) -> QueryResult<bool> {
    diesel::delete(steps::table.find(id))
        .execute(&mut **tx)
        .await
        .map(|n| n > 0)
}
