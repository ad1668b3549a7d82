//! The `history_events` table: the timeline of perfusion.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::Tx;
use crate::schema::history_events::{self, dsl};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = history_events, check_for_backend(diesel::pg::Pg))]
pub struct HistoryEvent {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub year: i32,
    pub year_is_approximate: bool,
    pub people: Vec<Option<String>>,
    pub source_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = history_events)]
pub struct NewHistoryEvent {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub year: i32,
    pub year_is_approximate: bool,
    pub people: Vec<Option<String>>,
    pub source_url: Option<String>,
}

/// A change: `None` leaves a column as it is; `Some(None)` clears a nullable one.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = history_events)]
pub struct HistoryEventChangeset {
    pub slug: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub year: Option<i32>,
    pub year_is_approximate: Option<bool>,
    pub people: Option<Vec<Option<String>>>,
    pub source_url: Option<Option<String>>,
}

impl HistoryEventChangeset {
    /// True when it would change nothing (diesel refuses to build an empty UPDATE).
    pub fn is_empty(&self) -> bool {
        self.slug.is_none()
            && self.title.is_none()
            && self.summary.is_none()
            && self.year.is_none()
            && self.year_is_approximate.is_none()
            && self.people.is_none()
            && self.source_url.is_none()
    }
}

/// The keyset position of an event in chronological order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub year: i32,
    pub id: i64,
}

/// Up to `limit` events in chronological order after `after` (uses `history_events_chronology`).
pub async fn list(
    conn: &mut AsyncPgConnection,
    after: Option<Position>,
    limit: i64,
) -> QueryResult<Vec<HistoryEvent>> {
    let mut query = dsl::history_events
        .select(HistoryEvent::as_select())
        .order((dsl::year.asc(), dsl::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(p) = after {
        query = query.filter(
            dsl::year
                .ge(p.year)
                .and(dsl::year.gt(p.year).or(dsl::id.gt(p.id))),
        );
    }
    query.load(conn).await
}

pub async fn count(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    dsl::history_events.count().get_result(conn).await
}

pub async fn find(conn: &mut AsyncPgConnection, slug: &str) -> QueryResult<HistoryEvent> {
    dsl::history_events
        .filter(dsl::slug.eq(slug))
        .select(HistoryEvent::as_select())
        .first(conn)
        .await
}

/// Reads an event and locks its row until the end of the transaction (for If-Match checks).
pub async fn find_for_update(tx: &mut Tx<'_>, slug: &str) -> QueryResult<HistoryEvent> {
    dsl::history_events
        .filter(dsl::slug.eq(slug))
        .select(HistoryEvent::as_select())
        .for_update()
        .first(&mut **tx)
        .await
}

pub async fn slug_exists(conn: &mut AsyncPgConnection, slug: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        dsl::history_events.filter(dsl::slug.eq(slug)),
    ))
    .get_result(conn)
    .await
}

pub async fn insert(tx: &mut Tx<'_>, new: &NewHistoryEvent) -> QueryResult<HistoryEvent> {
    diesel::insert_into(history_events::table)
        .values(new)
        .returning(HistoryEvent::as_returning())
        .get_result(&mut **tx)
        .await
}

pub async fn update(
    tx: &mut Tx<'_>,
    id: i64,
    changes: &HistoryEventChangeset,
) -> QueryResult<HistoryEvent> {
    if changes.is_empty() {
        return dsl::history_events
            .find(id)
            .select(HistoryEvent::as_select())
            .first(&mut **tx)
            .await;
    }
    diesel::update(dsl::history_events.find(id))
        .set(changes)
        .returning(HistoryEvent::as_returning())
        .get_result(&mut **tx)
        .await
}

/// Removes an event; false when there was none with that slug.
pub async fn delete(tx: &mut Tx<'_>, slug: &str) -> QueryResult<bool> {
    diesel::delete(dsl::history_events.filter(dsl::slug.eq(slug)))
        .execute(&mut **tx)
        .await
        .map(|n| n > 0)
}
