//! Rate-limit windows in PostgreSQL, so that every instance counts against the same limit.
//! Each hit is one atomic upsert: two instances counting the same key at the same moment both
//! land, in some order, and neither can miss the other's count.

use diesel::{
    sql_query,
    sql_types::{Double, Integer, Text},
    QueryResult, QueryableByName,
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::Tx;

/// A key's window as it stands: its hits, and the seconds until it ends (at least 1).
#[derive(Debug, Clone, Copy, QueryableByName)]
pub struct Window {
    #[diesel(sql_type = Integer)]
    pub hits: i32,
    #[diesel(sql_type = Integer)]
    pub seconds_left: i32,
}

/// Counts one hit for `key` under `bucket`. A window that has ended starts again at this hit.
/// Times are the database's, so instances with skewed clocks agree.
pub async fn hit(
    tx: &mut Tx<'_>,
    bucket: &str,
    key: &str,
    window_secs: f64,
) -> QueryResult<Window> {
    sql_query(
        "INSERT INTO rate_limit_windows AS w (bucket, key, window_start, hits) \
         VALUES ($1, $2, now(), 1) \
         ON CONFLICT (bucket, key) DO UPDATE SET \
           window_start = CASE WHEN w.window_start + make_interval(secs => $3) <= now() \
                               THEN now() ELSE w.window_start END, \
           hits = CASE WHEN w.window_start + make_interval(secs => $3) <= now() \
                       THEN 1 ELSE w.hits + 1 END \
         RETURNING hits, GREATEST(1, ceil(extract(epoch FROM \
           window_start + make_interval(secs => $3) - now())))::int AS seconds_left",
    )
    .bind::<Text, _>(bucket)
    .bind::<Text, _>(key)
    .bind::<Double, _>(window_secs)
    .get_result(&mut **tx)
    .await
}

/// The key's current window, if one is open (no hit is counted).
pub async fn current(
    conn: &mut AsyncPgConnection,
    bucket: &str,
    key: &str,
    window_secs: f64,
) -> QueryResult<Option<Window>> {
    let found: Vec<Window> = sql_query(
        "SELECT hits, GREATEST(1, ceil(extract(epoch FROM \
           window_start + make_interval(secs => $3) - now())))::int AS seconds_left \
         FROM rate_limit_windows \
         WHERE bucket = $1 AND key = $2 AND window_start + make_interval(secs => $3) > now()",
    )
    .bind::<Text, _>(bucket)
    .bind::<Text, _>(key)
    .bind::<Double, _>(window_secs)
    .load(conn)
    .await?;
    Ok(found.into_iter().next())
}

/// Removes the windows of `bucket` that ended more than `window_secs` ago.
pub async fn purge_ended(tx: &mut Tx<'_>, bucket: &str, window_secs: f64) -> QueryResult<usize> {
    sql_query(
        "DELETE FROM rate_limit_windows \
         WHERE bucket = $1 AND window_start < now() - make_interval(secs => $2)",
    )
    .bind::<Text, _>(bucket)
    .bind::<Double, _>(window_secs)
    .execute(&mut **tx)
    .await
}
