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
    /// The day the figure describes; none when its source is undated.
    pub as_of: Option<NaiveDate>,
    pub source: String,
    pub source_url: Option<String>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The day an undated figure was taken from its source.
    pub retrieved_at: Option<NaiveDate>,
    /// The metric's current figure, chosen by an editor (at most one per metric).
    pub headline: bool,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = observations)]
pub struct NewObservation {
    pub metric_id: i64,
    pub value: f64,
    pub as_of: Option<NaiveDate>,
    pub retrieved_at: Option<NaiveDate>,
    pub headline: bool,
    pub source: String,
    pub source_url: Option<String>,
    pub note: Option<String>,
}

/// A change: `None` leaves a column as it is; `Some(None)` clears a nullable one.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = observations)]
pub struct ObservationChangeset {
    pub value: Option<f64>,
    pub as_of: Option<Option<NaiveDate>>,
    pub retrieved_at: Option<Option<NaiveDate>>,
    pub headline: Option<bool>,
    pub source: Option<String>,
    pub source_url: Option<Option<String>>,
    pub note: Option<Option<String>>,
}

impl ObservationChangeset {
    pub fn is_empty(&self) -> bool {
        self.value.is_none()
            && self.as_of.is_none()
            && self.retrieved_at.is_none()
            && self.headline.is_none()
            && self.source.is_none()
            && self.source_url.is_none()
            && self.note.is_none()
    }

    /// The dates `current` has once this change is applied.
    pub fn dates_of(&self, current: &Observation) -> (Option<NaiveDate>, Option<NaiveDate>) {
        (
            self.as_of.unwrap_or(current.as_of),
            self.retrieved_at.unwrap_or(current.retrieved_at),
        )
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

/// Which observations can be a metric's current figure, in the order they are preferred: its
/// headline, else its newest dated observation (an undated one that is not the headline never
/// is). The order matches the partial unique index and the series index.
macro_rules! current_first {
    ($query:expr) => {
        $query
            .filter(observations::headline.or(observations::as_of.is_not_null()))
            .order((
                observations::metric_id,
                observations::headline.desc(),
                observations::as_of.desc().nulls_last(),
                observations::id.desc(),
            ))
    };
}

/// The current figure of each of these metrics (see [`current_by_key`]), in one query.
pub async fn current(
    conn: &mut AsyncPgConnection,
    metric_ids: &[i64],
) -> QueryResult<HashMap<i64, Observation>> {
    let rows: Vec<Observation> = current_first!(observations::table
        .filter(observations::metric_id.eq_any(metric_ids))
        .distinct_on(observations::metric_id))
    .select(Observation::as_select())
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|o| (o.metric_id, o)).collect())
}

/// Up to `limit` metrics after `after` (see [`list_metrics`]), each with its current figure.
pub async fn list_metrics_with_current(
    conn: &mut AsyncPgConnection,
    after: Option<(i32, i64)>,
    limit: i64,
) -> QueryResult<Vec<(Metric, Option<Observation>)>> {
    let metrics = list_metrics(conn, after, limit).await?;
    let ids: Vec<i64> = metrics.iter().map(|m| m.id).collect();
    let mut current = current(conn, &ids).await?;
    Ok(metrics
        .into_iter()
        .map(|m| {
            let c = current.remove(&m.id);
            (m, c)
        })
        .collect())
}

/// The current figure of the metric with this key: its headline observation when an editor
/// chose one, else its newest dated observation; none when it has neither.
pub async fn current_by_key(
    conn: &mut AsyncPgConnection,
    key: &str,
) -> QueryResult<Option<Observation>> {
    current_first!(observations::table
        .inner_join(metrics::table)
        .filter(metrics::key.eq(key)))
    .select(Observation::as_select())
    .first(conn)
    .await
    .optional()
}

/// A metric's whole series: dated observations oldest first, then the undated ones (by the day
/// they were taken in).
pub async fn series(conn: &mut AsyncPgConnection, metric_id: i64) -> QueryResult<Vec<Observation>> {
    observations::table
        .filter(observations::metric_id.eq(metric_id))
        .order((
            observations::as_of.asc().nulls_last(),
            observations::retrieved_at.asc(),
            observations::id.asc(),
        ))
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

/// An observation, locked for a write. The metric's row is locked first: every write that may
/// move the metric's headline takes it in that order, so moves queue rather than deadlock.
pub async fn find_observation_for_update(
    tx: &mut Tx<'_>,
    metric_id: i64,
    id: i64,
) -> QueryResult<Observation> {
    lock_metric(tx, metric_id).await?;
    observations::table
        .filter(observations::metric_id.eq(metric_id))
        .filter(observations::id.eq(id))
        .select(Observation::as_select())
        .for_update()
        .first(&mut **tx)
        .await
}

async fn lock_metric(tx: &mut Tx<'_>, metric_id: i64) -> QueryResult<()> {
    metrics::table
        .find(metric_id)
        .select(metrics::id)
        .for_update()
        .first::<i64>(&mut **tx)
        .await
        .map(drop)
}

/// Makes no observation of the metric its headline (the caller holds the metric's lock).
async fn clear_headline(tx: &mut Tx<'_>, metric_id: i64) -> QueryResult<()> {
    diesel::update(
        observations::table
            .filter(observations::metric_id.eq(metric_id))
            .filter(observations::headline),
    )
    .set(observations::headline.eq(false))
    .execute(&mut **tx)
    .await
    .map(drop)
}

/// Adds an observation; as the headline, it takes the place of the metric's old one in the
/// same transaction.
pub async fn insert(tx: &mut Tx<'_>, new: &NewObservation) -> QueryResult<Observation> {
    if new.headline {
        lock_metric(tx, new.metric_id).await?;
        clear_headline(tx, new.metric_id).await?;
    }
    diesel::insert_into(observations::table)
        .values(new)
        .returning(Observation::as_returning())
        .get_result(&mut **tx)
        .await
}

/// Changes the observation `current` (locked by [`find_observation_for_update`]); made the
/// headline, it takes the place of the metric's old one in the same transaction.
pub async fn update(
    tx: &mut Tx<'_>,
    current: &Observation,
    changes: &ObservationChangeset,
) -> QueryResult<Observation> {
    let id = current.id;
    if changes.headline == Some(true) && !current.headline {
        clear_headline(tx, current.metric_id).await?;
    }
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
