//! Licensure of perfusionists by state (`licensure`).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::Tx;
use crate::schema::licensure;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = licensure, check_for_backend(diesel::pg::Pg))]
pub struct Licensure {
    pub state: String,
    pub name: String,
    /// Null where the source says nothing.
    pub license_required: Option<String>,
    pub as_of: Option<NaiveDate>,
    pub source_url: Option<String>,
    pub note: Option<String>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = licensure)]
pub struct LicensureChangeset {
    pub license_required: Option<Option<String>>,
    pub as_of: Option<Option<NaiveDate>>,
    pub source_url: Option<Option<String>>,
    pub note: Option<Option<String>>,
}

/// Up to `limit` states by code after `after`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    after: Option<String>,
    limit: i64,
) -> QueryResult<Vec<Licensure>> {
    let mut query = licensure::table
        .select(Licensure::as_select())
        .order(licensure::state.asc())
        .limit(limit)
        .into_boxed();
    if let Some(state) = after {
        query = query.filter(licensure::state.gt(state));
    }
    query.load(conn).await
}

pub async fn count(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    licensure::table.count().get_result(conn).await
}

pub async fn find(conn: &mut AsyncPgConnection, state: &str) -> QueryResult<Licensure> {
    licensure::table
        .find(state)
        .select(Licensure::as_select())
        .first(conn)
        .await
}

pub async fn find_for_update(tx: &mut Tx<'_>, state: &str) -> QueryResult<Licensure> {
    licensure::table
        .find(state)
        .select(Licensure::as_select())
        .for_update()
        .first(&mut **tx)
        .await
}

pub async fn update(
    tx: &mut Tx<'_>,
    state: &str,
    changes: &LicensureChangeset,
) -> QueryResult<Licensure> {
    let empty = changes.license_required.is_none()
        && changes.as_of.is_none()
        && changes.source_url.is_none()
        && changes.note.is_none();
    if empty {
        return find(tx, state).await;
    }
    diesel::update(licensure::table.find(state))
        .set(changes)
        .returning(Licensure::as_returning())
        .get_result(&mut **tx)
        .await
}
