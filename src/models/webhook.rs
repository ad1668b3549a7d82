//! The webhook tables: endpoints, the outbox of events (`webhook_events`, written in the
//! transaction of the change itself), one delivery per event and endpoint, and the attempts of
//! each. The worker's turn (fan-out, record, claim) is one transaction, one instance at a time
//! (`lock_turn`); the announcement of scheduled articles is one of its own.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bytea, Integer, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::Tx;
use crate::domain::webhook::{health_after, EventType, Verdict};
use crate::schema::{webhook_attempts, webhook_deliveries, webhook_endpoints, webhook_events};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_endpoints, check_for_backend(diesel::pg::Pg))]
pub struct Endpoint {
    pub id: i64,
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = webhook_endpoints)]
pub struct NewEndpoint {
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub secret: Vec<u8>,
}

/// A change: `None` leaves a column as it is; `Some(None)` clears a nullable one.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = webhook_endpoints)]
pub struct EndpointChangeset {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub description: Option<Option<String>>,
    pub enabled: Option<bool>,
    pub disabled_reason: Option<Option<String>>,
    pub disabled_at: Option<Option<DateTime<Utc>>>,
    pub failing_since: Option<Option<DateTime<Utc>>>,
}

impl EndpointChangeset {
    /// The change, with the time it turns off an endpoint that was on (`was_enabled`).
    pub fn turning_off(self, was_enabled: bool, now: DateTime<Utc>) -> Self {
        match self.enabled {
            Some(false) if was_enabled => Self {
                disabled_at: Some(Some(now)),
                ..self
            },
            _ => self,
        }
    }

    /// True when it would change nothing (diesel refuses to build an empty UPDATE).
    pub fn is_empty(&self) -> bool {
        self.url.is_none()
            && self.events.is_none()
            && self.description.is_none()
            && self.enabled.is_none()
            && self.disabled_reason.is_none()
            && self.disabled_at.is_none()
            && self.failing_since.is_none()
    }
}

pub async fn insert(tx: &mut Tx<'_>, new: &NewEndpoint) -> QueryResult<Endpoint> {
    diesel::insert_into(webhook_endpoints::table)
        .values(new)
        .returning(Endpoint::as_returning())
        .get_result(&mut **tx)
        .await
}

/// Endpoints by id, after `after`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Endpoint>> {
    webhook_endpoints::table
        .filter(webhook_endpoints::id.gt(after.unwrap_or(0)))
        .order(webhook_endpoints::id)
        .limit(limit)
        .select(Endpoint::as_select())
        .load(conn)
        .await
}

pub async fn count(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    webhook_endpoints::table.count().get_result(conn).await
}

pub async fn find(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Endpoint> {
    webhook_endpoints::table
        .find(id)
        .select(Endpoint::as_select())
        .first(conn)
        .await
}

/// Reads an endpoint and locks its row until the end of the transaction.
pub async fn find_for_update(tx: &mut Tx<'_>, id: i64) -> QueryResult<Endpoint> {
    webhook_endpoints::table
        .find(id)
        .select(Endpoint::as_select())
        .for_update()
        .first(&mut **tx)
        .await
}

pub async fn update(
    tx: &mut Tx<'_>,
    id: i64,
    changes: &EndpointChangeset,
) -> QueryResult<Endpoint> {
    if changes.is_empty() {
        return find(tx, id).await;
    }
    diesel::update(webhook_endpoints::table.find(id))
        .set(changes)
        .returning(Endpoint::as_returning())
        .get_result(&mut **tx)
        .await
}

/// Removes an endpoint with its deliveries and their attempts; false when there was none.
pub async fn delete(tx: &mut Tx<'_>, id: i64) -> QueryResult<bool> {
    diesel::delete(webhook_endpoints::table.find(id))
        .execute(&mut **tx)
        .await
        .map(|n| n > 0)
}

/// A new signing key; the current one keeps signing beside it until `until`.
pub async fn rotate_secret(
    tx: &mut Tx<'_>,
    id: i64,
    secret: &[u8],
    until: DateTime<Utc>,
) -> QueryResult<Endpoint> {
    use webhook_endpoints::dsl as e;
    diesel::update(e::webhook_endpoints.find(id))
        .set((
            e::previous_secret.eq(e::secret.nullable()),
            e::previous_secret_until.eq(until),
            e::secret.eq(secret),
        ))
        .returning(Endpoint::as_returning())
        .get_result(&mut **tx)
        .await
}

/// The body every attempt of an event sends: `{type, timestamp, data}`.
fn body(event: EventType, at: DateTime<Utc>, data: &serde_json::Value) -> String {
    serde_json::json!({
        "type": event.as_str(),
        "timestamp": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": data,
    })
    .to_string()
}

fn message_id() -> String {
    format!("msg_{}", uuid::Uuid::new_v4().simple())
}

/// Writes an event into the outbox, in the transaction of the change it tells of; the worker
/// fans it out to the endpoints that subscribe once it has committed. An article that the
/// public can read after this write counts as announced (the worker's announcement of a
/// scheduled article whose time comes is for a time no write told of).
pub async fn emit(tx: &mut Tx<'_>, event: EventType, data: &serde_json::Value) -> QueryResult<()> {
    diesel::insert_into(webhook_events::table)
        .values((
            webhook_events::event_type.eq(event.as_str()),
            webhook_events::message_id.eq(message_id()),
            webhook_events::body.eq(body(event, Utc::now(), data)),
        ))
        .execute(&mut **tx)
        .await?;
    if matches!(
        event,
        EventType::ArticlePublished | EventType::ArticleUpdated
    ) {
        if let Some(slug) = data.get("slug").and_then(|s| s.as_str()) {
            diesel::sql_query(
                "INSERT INTO webhook_announcements (article_id, published_at) \
                 SELECT id, published_at FROM articles \
                 WHERE slug = $1 AND status = 'scheduled' AND published_at <= now() \
                 ON CONFLICT DO NOTHING",
            )
            .bind::<Text, _>(slug)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// Writes an event for one endpoint only (`webhook.test`), with its delivery; the id of that.
pub async fn emit_to(
    tx: &mut Tx<'_>,
    endpoint_id: i64,
    event: EventType,
    data: &serde_json::Value,
) -> QueryResult<Delivery> {
    let event_id: i64 = diesel::insert_into(webhook_events::table)
        .values((
            webhook_events::event_type.eq(event.as_str()),
            webhook_events::message_id.eq(message_id()),
            webhook_events::body.eq(body(event, Utc::now(), data)),
            webhook_events::fanned_out.eq(true),
        ))
        .returning(webhook_events::id)
        .get_result(&mut **tx)
        .await?;
    let id: i64 = diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::endpoint_id.eq(endpoint_id),
            webhook_deliveries::event_id.eq(event_id),
        ))
        .returning(webhook_deliveries::id)
        .get_result(&mut **tx)
        .await?;
    find_delivery(tx, endpoint_id, id).await
}

/// Makes the other instances' turns wait until this transaction ends: one instance at a time
/// fans out and claims, so that deliveries are numbered, and each endpoint's are claimed, in
/// order. Taken before those statements, so that their snapshots see the last turn's commit
/// (each statement takes its own snapshot: the worker's connections are READ COMMITTED,
/// whatever the server's default, `db::background_pool`).
pub async fn lock_turn(tx: &mut Tx<'_>) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(7170017)")
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// Turns committed events into deliveries, one per subscribed endpoint, in the events' order.
/// An event waits until every transaction that could still write an earlier one has ended
/// (its `xid` is older than the oldest running), so with [`lock_turn`] held each endpoint's
/// deliveries are numbered in the order of the changes. Answers how many events it handled.
///
/// It must be the turn's first write: its snapshot is then taken before the turn has an xid
/// of its own (which would only hold events back a turn, but no need).
pub async fn fan_out(tx: &mut Tx<'_>, batch: i64) -> QueryResult<usize> {
    diesel::sql_query(
        "WITH ready AS ( \
             SELECT id, event_type FROM webhook_events \
             WHERE NOT fanned_out AND xid < pg_snapshot_xmin(pg_current_snapshot()) \
             ORDER BY id LIMIT $1 \
         ), sent AS ( \
             INSERT INTO webhook_deliveries (endpoint_id, event_id) \
             SELECT e.id, r.id FROM ready r JOIN webhook_endpoints e \
               ON e.enabled AND (r.event_type = ANY (e.events) OR '*' = ANY (e.events)) \
             ORDER BY r.id, e.id \
             ON CONFLICT DO NOTHING \
         ) \
         UPDATE webhook_events SET fanned_out = true FROM ready \
         WHERE webhook_events.id = ready.id",
    )
    .bind::<BigInt, _>(batch)
    .execute(&mut **tx)
    .await
}

/// Marks scheduled articles whose time has come (within the last 30 days) as announced, once
/// across every instance (the key is the article and its time: a new time is news again), and
/// answers their ids, for `article.published` events in the same transaction (a transaction of
/// its own: its commit is a durable one).
pub async fn announce_due(tx: &mut Tx<'_>, batch: i64) -> QueryResult<Vec<i64>> {
    #[derive(QueryableByName)]
    struct Announced {
        #[diesel(sql_type = BigInt)]
        article_id: i64,
    }
    // Once its event can go out, an announcement must survive a crash, or it would be made
    // again under a new webhook-id: this commit is as durable as the server's own setting,
    // even on a background pool.
    diesel::sql_query("SET LOCAL synchronous_commit TO DEFAULT")
        .execute(&mut **tx)
        .await?;
    diesel::sql_query(
        "INSERT INTO webhook_announcements (article_id, published_at) \
         SELECT a.id, a.published_at FROM articles a \
         WHERE a.status = 'scheduled' AND a.published_at <= now() \
           AND a.published_at > now() - interval '30 days' \
           AND NOT EXISTS (SELECT 1 FROM webhook_announcements w \
                           WHERE w.article_id = a.id AND w.published_at = a.published_at) \
         ORDER BY a.published_at LIMIT $1 \
         ON CONFLICT DO NOTHING \
         RETURNING article_id",
    )
    .bind::<BigInt, _>(batch)
    .load::<Announced>(&mut **tx)
    .await
    .map(|rows| rows.into_iter().map(|r| r.article_id).collect())
}

/// A delivery claimed for an attempt, with what the attempt needs.
#[derive(Debug, Clone, QueryableByName)]
pub struct Job {
    #[diesel(sql_type = BigInt)]
    pub delivery_id: i64,
    #[diesel(sql_type = BigInt)]
    pub endpoint_id: i64,
    /// Attempts before this one.
    #[diesel(sql_type = Integer)]
    pub attempts: i32,
    #[diesel(sql_type = Text)]
    pub url: String,
    #[diesel(sql_type = Bytea)]
    pub secret: Vec<u8>,
    /// The key before a rotation, while it still signs.
    #[diesel(sql_type = Nullable<Bytea>)]
    pub previous_secret: Option<Vec<u8>>,
    /// The endpoint's first failure since its last success.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub failing_since: Option<DateTime<Utc>>,
    /// Until when this instance holds it: a record or release must find the same time, so a
    /// late or repeated one changes nothing.
    #[diesel(sql_type = Timestamptz)]
    pub claimed_until: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub message_id: String,
    #[diesel(sql_type = Text)]
    pub event_type: String,
    #[diesel(sql_type = Text)]
    pub body: String,
}

/// Claims up to `limit` due deliveries of enabled endpoints, with [`lock_turn`] held. An
/// endpoint's first attempts go out in order, in runs: when none of its untried deliveries is
/// out, its oldest `run` are claimed (one while it is failing), always a prefix, and the worker
/// sends them one after another. The first of a run is held until `hold_until`, each next one
/// `step` later (it cannot start sooner), after which another turn may take it over. Retries
/// are due by their time, and neither hold back nor are held back by newer deliveries. An
/// endpoint that a request has locked (being changed or removed) is passed over this turn.
pub async fn claim(
    tx: &mut Tx<'_>,
    limit: i64,
    run: i64,
    now: DateTime<Utc>,
    hold_until: DateTime<Utc>,
    step: std::time::Duration,
) -> QueryResult<Vec<Job>> {
    diesel::sql_query(
        "WITH ends AS ( \
             SELECT id, failing_since FROM webhook_endpoints WHERE enabled \
             ORDER BY id FOR KEY SHARE SKIP LOCKED \
         ), firsts AS ( \
             SELECT f.id, bool_or(f.claimed_until >= $1) OVER w AS out, \
               min(f.next_attempt_at) OVER w AS since, \
               row_number() OVER (w ORDER BY f.id) AS place \
             FROM ends e CROSS JOIN LATERAL ( \
                 SELECT d.id, d.next_attempt_at, d.claimed_until FROM webhook_deliveries d \
                 WHERE d.endpoint_id = e.id AND d.state = 'pending' AND d.attempts = 0 \
                 ORDER BY d.id LIMIT CASE WHEN e.failing_since IS NULL THEN $3 ELSE 1 END \
             ) f \
             WINDOW w AS (PARTITION BY e.id) \
         ), retries AS ( \
             SELECT d.id, d.next_attempt_at AS since, 1::int8 AS place \
             FROM webhook_deliveries d JOIN ends e ON e.id = d.endpoint_id \
             WHERE d.state = 'pending' AND d.attempts > 0 AND d.next_attempt_at <= $1 \
               AND (d.claimed_until IS NULL OR d.claimed_until < $1) \
             ORDER BY d.next_attempt_at LIMIT $2 \
         ), due AS ( \
             SELECT id, since, place FROM firsts WHERE NOT coalesce(out, false) \
             UNION ALL SELECT id, since, place FROM retries \
             ORDER BY since, id LIMIT $2 \
         ) \
         UPDATE webhook_deliveries d \
         SET claimed_until = $4 + (due.place - 1) * $5 * interval '1 millisecond' \
         FROM due, webhook_endpoints e, webhook_events ev \
         WHERE d.id = due.id AND e.id = d.endpoint_id AND ev.id = d.event_id \
           AND d.state = 'pending' AND (d.claimed_until IS NULL OR d.claimed_until < $1) \
         RETURNING d.id AS delivery_id, d.endpoint_id, d.attempts, e.url, e.secret, \
           CASE WHEN e.previous_secret_until > $1 THEN e.previous_secret END AS previous_secret, \
           e.failing_since, d.claimed_until, \
           ev.message_id, ev.event_type, ev.body",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<BigInt, _>(limit)
    .bind::<BigInt, _>(run)
    .bind::<Timestamptz, _>(hold_until)
    .bind::<BigInt, _>(i64::try_from(step.as_millis()).unwrap_or(i64::MAX))
    .load(&mut **tx)
    .await
}

/// What one attempt saw.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    pub error: Option<String>,
}

/// A claimed delivery's attempt and its verdict, waiting to be recorded.
#[derive(Debug, Clone)]
pub struct Finished {
    pub job: Job,
    pub attempt: Attempt,
    pub verdict: Verdict,
}

impl Finished {
    /// The delivery's state and next attempt time after this attempt.
    fn next(&self) -> (&'static str, DateTime<Utc>) {
        match &self.verdict {
            Verdict::Succeeded => ("succeeded", self.attempt.at),
            Verdict::RetryAt(t) => ("pending", *t),
            Verdict::GiveUp | Verdict::Disable(_) => ("failed", self.attempt.at),
        }
    }
}

/// Records finished attempts, a turn's worth at once, with their verdicts on the deliveries
/// and on the endpoints (failing since when, or turned off), and gives back the deliveries
/// claimed but not sent (`released`): two statements whatever their number, one more if some
/// were released, and one per endpoint whose health changed. An attempt counts only while its
/// claim holds (the delivery still carries the claim's time), so a record repeated after a
/// lost COMMIT, or one that comes after another turn took the delivery over, changes nothing.
/// The endpoints are locked first, in id order, as a delete locks one before its deliveries,
/// so neither a delete nor another instance's turn waits on this in a cycle. Answers the
/// deliveries whose attempts were recorded.
pub async fn record(
    tx: &mut Tx<'_>,
    finished: &[Finished],
    released: &[Job],
) -> QueryResult<Vec<i64>> {
    #[derive(QueryableByName)]
    struct Locked {
        #[diesel(sql_type = BigInt)]
        id: i64,
        #[diesel(sql_type = Nullable<Timestamptz>)]
        failing_since: Option<DateTime<Utc>>,
    }
    #[derive(QueryableByName)]
    struct Recorded {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    if !released.is_empty() {
        let ids: Vec<i64> = released.iter().map(|j| j.delivery_id).collect();
        let claims: Vec<DateTime<Utc>> = released.iter().map(|j| j.claimed_until).collect();
        diesel::sql_query(
            "UPDATE webhook_deliveries d SET claimed_until = NULL \
             FROM unnest($1::int8[], $2::timestamptz[]) AS u(id, claim) \
             WHERE d.id = u.id AND d.claimed_until = u.claim",
        )
        .bind::<Array<BigInt>, _>(&ids)
        .bind::<Array<Timestamptz>, _>(&claims)
        .execute(&mut **tx)
        .await?;
    }
    if finished.is_empty() {
        return Ok(Vec::new());
    }
    let mut endpoint_ids: Vec<i64> = finished.iter().map(|f| f.job.endpoint_id).collect();
    endpoint_ids.sort_unstable();
    endpoint_ids.dedup();
    let endpoints: Vec<Locked> = diesel::sql_query(
        "SELECT id, failing_since FROM webhook_endpoints WHERE id = ANY ($1) \
         ORDER BY id FOR NO KEY UPDATE",
    )
    .bind::<Array<BigInt>, _>(&endpoint_ids)
    .load(&mut **tx)
    .await?;
    let ids: Vec<i64> = finished.iter().map(|f| f.job.delivery_id).collect();
    let at: Vec<DateTime<Utc>> = finished.iter().map(|f| f.attempt.at).collect();
    let status: Vec<Option<i32>> = finished.iter().map(|f| f.attempt.status_code).collect();
    let latency: Vec<i32> = finished.iter().map(|f| f.attempt.latency_ms).collect();
    let error: Vec<Option<String>> = finished.iter().map(|f| f.attempt.error.clone()).collect();
    let (state, next): (Vec<&str>, Vec<DateTime<Utc>>) = finished.iter().map(|f| f.next()).unzip();
    let claims: Vec<DateTime<Utc>> = finished.iter().map(|f| f.job.claimed_until).collect();
    let recorded: Vec<i64> = diesel::sql_query(
        "WITH u AS ( \
             SELECT * FROM unnest($1::int8[], $2::timestamptz[], $3::int4[], $4::int4[], \
                                  $5::text[], $6::text[], $7::timestamptz[], $8::timestamptz[]) \
               AS u(id, at, status_code, latency_ms, error, state, next, claim) \
         ), done AS ( \
             UPDATE webhook_deliveries d SET state = u.state, attempts = d.attempts + 1, \
               next_attempt_at = u.next, claimed_until = NULL \
             FROM u WHERE d.id = u.id AND d.claimed_until = u.claim \
             RETURNING d.id \
         ), logged AS ( \
             INSERT INTO webhook_attempts \
               (delivery_id, attempted_at, status_code, latency_ms, error) \
             SELECT u.id, u.at, u.status_code, u.latency_ms, u.error FROM u JOIN done USING (id) \
         ) \
         SELECT id FROM done",
    )
    .bind::<Array<BigInt>, _>(&ids)
    .bind::<Array<Timestamptz>, _>(&at)
    .bind::<Array<Nullable<Integer>>, _>(&status)
    .bind::<Array<Integer>, _>(&latency)
    .bind::<Array<Nullable<Text>>, _>(&error)
    .bind::<Array<Text>, _>(&state)
    .bind::<Array<Timestamptz>, _>(&next)
    .bind::<Array<Timestamptz>, _>(&claims)
    .load::<Recorded>(&mut **tx)
    .await?
    .into_iter()
    .map(|r| r.id)
    .collect();
    let kept: Vec<&Finished> = finished
        .iter()
        .filter(|f| recorded.contains(&f.job.delivery_id))
        .collect();
    for endpoint in &endpoints {
        let attempts = kept
            .iter()
            .filter(|k| k.job.endpoint_id == endpoint.id)
            .map(|k| (k.attempt.at, &k.verdict));
        let health = health_after(endpoint.failing_since, attempts);
        let mut changes = EndpointChangeset::default();
        if health.failing_since != endpoint.failing_since {
            changes.failing_since = Some(health.failing_since);
        }
        if let Some((reason, at)) = health.disabled {
            changes.enabled = Some(false);
            changes.disabled_reason = Some(Some(reason));
            changes.disabled_at = Some(Some(at));
        }
        if !changes.is_empty() {
            use webhook_endpoints::dsl as e;
            diesel::update(e::webhook_endpoints.find(endpoint.id))
                .set(&changes)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(recorded)
}

/// A delivery as the log shows it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(check_for_backend(diesel::pg::Pg))]
pub struct Delivery {
    #[diesel(select_expression = webhook_deliveries::id)]
    pub id: i64,
    #[diesel(select_expression = webhook_events::event_type)]
    pub event_type: String,
    #[diesel(select_expression = webhook_events::message_id)]
    pub message_id: String,
    #[diesel(select_expression = webhook_deliveries::state)]
    pub state: String,
    #[diesel(select_expression = webhook_deliveries::attempts)]
    pub attempts: i32,
    #[diesel(select_expression = webhook_deliveries::next_attempt_at)]
    pub next_attempt_at: DateTime<Utc>,
    #[diesel(select_expression = webhook_deliveries::created_at)]
    pub created_at: DateTime<Utc>,
}

/// An endpoint's deliveries, newest first, before `before`.
pub async fn deliveries(
    conn: &mut AsyncPgConnection,
    endpoint_id: i64,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Delivery>> {
    webhook_deliveries::table
        .inner_join(webhook_events::table)
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .filter(webhook_deliveries::id.lt(before.unwrap_or(i64::MAX)))
        .order(webhook_deliveries::id.desc())
        .limit(limit)
        .select(Delivery::as_select())
        .load(conn)
        .await
}

pub async fn count_deliveries(conn: &mut AsyncPgConnection, endpoint_id: i64) -> QueryResult<i64> {
    webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .count()
        .get_result(conn)
        .await
}

pub async fn find_delivery(
    conn: &mut AsyncPgConnection,
    endpoint_id: i64,
    id: i64,
) -> QueryResult<Delivery> {
    webhook_deliveries::table
        .inner_join(webhook_events::table)
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .filter(webhook_deliveries::id.eq(id))
        .select(Delivery::as_select())
        .first(conn)
        .await
}

/// An attempt as the log shows it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_attempts, check_for_backend(diesel::pg::Pg))]
pub struct AttemptRow {
    pub delivery_id: i64,
    pub attempted_at: DateTime<Utc>,
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    pub error: Option<String>,
}

/// The attempts of these deliveries, oldest first (one statement for a whole page).
pub async fn attempts_of(
    conn: &mut AsyncPgConnection,
    delivery_ids: &[i64],
) -> QueryResult<Vec<AttemptRow>> {
    webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(delivery_ids))
        .order((webhook_attempts::delivery_id, webhook_attempts::id))
        .select(AttemptRow::as_select())
        .load(conn)
        .await
}

/// What became of a request to send a delivery again.
#[derive(Debug)]
pub enum Retried {
    /// Back in line for an attempt now.
    Queued(Delivery),
    /// An attempt of it is on its way; it may be sent again once that is answered.
    Underway,
    /// The endpoint has no such delivery.
    Missing,
}

/// Puts a delivery back in line for an attempt now (a failed one gets one more try, past the
/// schedule), unless an attempt of it is on its way.
pub async fn retry(
    tx: &mut Tx<'_>,
    endpoint_id: i64,
    id: i64,
    now: DateTime<Utc>,
) -> QueryResult<Retried> {
    use webhook_deliveries::dsl as d;
    let n = diesel::update(
        d::webhook_deliveries
            .filter(d::id.eq(id))
            .filter(d::endpoint_id.eq(endpoint_id))
            .filter(d::claimed_until.is_null().or(d::claimed_until.lt(now))),
    )
    .set((
        d::state.eq("pending"),
        d::next_attempt_at.eq(now),
        d::claimed_until.eq(None::<DateTime<Utc>>),
    ))
    .execute(&mut **tx)
    .await?;
    if n > 0 {
        return find_delivery(tx, endpoint_id, id)
            .await
            .map(Retried::Queued);
    }
    Ok(match find_delivery(tx, endpoint_id, id).await.optional()? {
        Some(_) => Retried::Underway,
        None => Retried::Missing,
    })
}
