//! The `staffing_metrics` and `staffing_observations` tables: workforce figures with their
//! sources, over time.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::Tx;
use crate::schema::{staffing_metrics as metrics, staffing_observations as observations};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = metrics, check_for_backend(diesel::pg::Pg))]
pub struct Metric {
    pub id: i64,
    pub key: String,
    pub label: String,
    pub unit: crate::domain::MetricUnit,
    pub description: String,
    pub position: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = observations, check_for_backend(diesel::pg::Pg))]
pub struct Observation {
    pub id: i64,
    pub metric_id: i64,
    pub value: f64,
    pub as_of: NaiveDate,
    pub source: String,
    pub source_url: Option<String>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = observations)]
pub struct NewObservation {
    pub metric_id: i64,
    pub value: f64,
    pub as_of: NaiveDate,
    pub source: String,
    pub source_url: Option<String>,
    pub note: Option<String>,
}

/// A change: `None` leaves a column as it is; `Some(None)` clears a nullable one.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = observations)]
pub struct ObservationChangeset {
    pub value: Option<f64>,
    pub as_of: Option<NaiveDate>,
    pub source: Option<String>,
    pub source_url: Option<Option<String>>,
    pub note: Option<Option<String>>,
}

impl ObservationChangeset {
    pub fn is_empty(&self) -> bool {
        self.value.is_none()
            && self.as_of.is_none()
            && self.source.is_none()
            && self.source_url.is_none()
            && self.note.is_none()
    }
}

/// Up to `limit` metrics in (position, id) order after `after`.
pub async fn list_metrics(
    conn: &mut AsyncPgConnection,
    after: Option<(i32, i64)>,
    limit: i64,
) -> QueryResult<Vec<Metric>> {
    let mut query = metrics::table
        .select(Metric::as_select())
        .order((metrics::position.asc(), metrics::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some((position, id)) = after {
        query = query.filter(
            metrics::position
                .gt(position)
                .or(metrics::position.eq(position).and(metrics::id.gt(id))),
        );
    }
    query.load(conn).await
}

pub async fn count_metrics(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    metrics::table.count().get_result(conn).await
}

pub async fn find_metric(conn: &mut AsyncPgConnection, key: &str) -> QueryResult<Metric> {
    metrics::table
        .filter(metrics::key.eq(key))
        .select(Metric::as_select())
        .first(conn)
        .await
}

/// The latest observation (by `as_of`, then by entry) of each of these metrics, in one query.
pub async fn latest(
    conn: &mut AsyncPgConnection,
    metric_ids: &[i64],
) -> QueryResult<HashMap<i64, Observation>> {
    let rows: Vec<Observation> = observations::table
        .filter(observations::metric_id.eq_any(metric_ids))
        .distinct_on(observations::metric_id)
        .order((
            observations::metric_id,
            observations::as_of.desc(),
            observations::id.desc(),
        ))
        .select(Observation::as_select())
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|o| (o.metric_id, o)).collect())
}

/// Up to `limit` metrics after `after` (see [`list_metrics`]), each with its latest observation.
pub async fn list_metrics_with_latest(
    conn: &mut AsyncPgConnection,
    after: Option<(i32, i64)>,
    limit: i64,
) -> QueryResult<Vec<(Metric, Option<Observation>)>> {
    let metrics = list_metrics(conn, after, limit).await?;
    let ids: Vec<i64> = metrics.iter().map(|m| m.id).collect();
    let mut latest = latest(conn, &ids).await?;
    Ok(metrics
        .into_iter()
        .map(|m| {
            let l = latest.remove(&m.id);
            (m, l)
        })
        .collect())
}

/// The latest observation of the metric with this key, if it has any.
pub async fn latest_by_key(
    conn: &mut AsyncPgConnection,
    key: &str,
) -> QueryResult<Option<Observation>> {
    observations::table
        .inner_join(metrics::table)
        .filter(metrics::key.eq(key))
        .order((observations::as_of.desc(), observations::id.desc()))
        .select(Observation::as_select())
        .first(conn)
        .await
        .optional()
}

/// A metric's whole series, oldest first.
pub async fn series(conn: &mut AsyncPgConnection, metric_id: i64) -> QueryResult<Vec<Observation>> {
    observations::table
        .filter(observations::metric_id.eq(metric_id))
        .order((observations::as_of.asc(), observations::id.asc()))
        .select(Observation::as_select())
        .load(conn)
        .await
}

pub async fn find_observation(
    conn: &mut AsyncPgConnection,
    metric_id: i64,
    id: i64,
) -> QueryResult<Observation> {
    observations::table
        .filter(observations::metric_id.eq(metric_id))
        .filter(observations::id.eq(id))
        .select(Observation::as_select())
        .first(conn)
        .await
}

pub async fn find_observation_for_update(
    tx: &mut Tx<'_>,
    metric_id: i64,
    id: i64,
) -> QueryResult<Observation> {
    observations::table
        .filter(observations::metric_id.eq(metric_id))
        .filter(observations::id.eq(id))
        .select(Observation::as_select())
        .for_update()
        .first(&mut **tx)
        .await
}

pub async fn insert(tx: &mut Tx<'_>, new: &NewObservation) -> QueryResult<Observation> {
    diesel::insert_into(observations::table)
        .values(new)
        .returning(Observation::as_returning())
        .get_result(&mut **tx)
        .await
}

pub async fn update(
    tx: &mut Tx<'_>,
    id: i64,
    changes: &ObservationChangeset,
) -> QueryResult<Observation> {
    if changes.is_empty() {
        return observations::table
            .find(id)
            .select(Observation::as_select())
            .first(&mut **tx)
            .await;
    }
    diesel::update(observations::table.find(id))
        .set(changes)
        .returning(Observation::as_returning())
        .get_result(&mut **tx)
        .await
}

pub async fn delete(tx: &mut Tx<'_>, metric_id: i64, id: i64) -> QueryResult<bool> {
    diesel::delete(
        observations::table
            .filter(observations::metric_id.eq(metric_id))
            .filter(observations::id.eq(id)),
    )
    .execute(&mut **tx)
    .await
    .map(|n| n > 0)
}
