//! What the search index (`src/search_index.rs`) reads: the public articles' words, and the
//! change log `search_changes` (migration `search_changes`) that keeps every instance's index in
//! step with the database.

use chrono::{DateTime, Utc};
use diesel::{prelude::*, sql_types::BigInt};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::fixed_sql::fixed;
use crate::db::Tx;
use crate::schema::articles;

/// An article as the index holds it: its words and when the public may see it. Only articles
/// `published` or `scheduled` are indexed; a search adds "`listed_at` has come".
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = articles, check_for_backend(diesel::pg::Pg))]
pub struct SearchDocument {
    pub id: i64,
    pub title: String,
    pub excerpt: String,
    pub body_markdown: String,
    pub listed_at: DateTime<Utc>,
}

fn indexable() -> super::fixed_sql::Fixed<diesel::sql_types::Bool> {
    fixed("articles.status IN ('published', 'scheduled')")
}

/// Up to `limit` indexable articles with an id above `after`, by id (building an index).
pub async fn after(
    conn: &mut AsyncPgConnection,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<SearchDocument>> {
    articles::table
        .filter(indexable())
        .filter(articles::id.gt(after))
        .order(articles::id)
        .limit(limit)
        .select(SearchDocument::as_select())
        .load(conn)
        .await
}

/// The indexable articles among `ids` (the others are to leave the index).
pub async fn by_ids(conn: &mut AsyncPgConnection, ids: &[i64]) -> QueryResult<Vec<SearchDocument>> {
    articles::table
        .filter(indexable())
        .filter(articles::id.eq_any(ids))
        .select(SearchDocument::as_select())
        .load(conn)
        .await
}

/// One row of the change log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub seq: i64,
    pub xid: i64,
    pub article_id: i64,
}

/// What the change log holds from `horizon` on, and the next horizon: the oldest transaction
/// still running when it was read. Every change of a transaction older than that is in what was
/// read, or was rolled back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changes {
    pub horizon: i64,
    pub changes: Vec<Change>,
}

#[derive(QueryableByName)]
struct ChangeRow {
    #[diesel(sql_type = BigInt)]
    horizon: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
    seq: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
    xid: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
    article_id: Option<i64>,
}

/// The changes of transactions from `horizon` on, read in one statement (one snapshot) with the
/// next horizon. With nothing new, one index probe that finds no row.
pub async fn since(conn: &mut AsyncPgConnection, horizon: i64) -> QueryResult<Changes> {
    let rows: Vec<ChangeRow> = diesel::sql_query(
        "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS horizon, \
                c.seq, c.xid, c.article_id \
         FROM (VALUES (1)) AS one (n) \
         LEFT JOIN search_changes c ON c.xid >= $1 \
         ORDER BY c.seq",
    )
    .bind::<BigInt, _>(horizon)
    .load(conn)
    .await?;
    let horizon = <[_]>::first(&rows).map_or(horizon, |r: &ChangeRow| r.horizon);
    let changes = rows
        .into_iter()
        .filter_map(|r| {
            Some(Change {
                seq: r.seq?,
                xid: r.xid?,
                article_id: r.article_id?,
            })
        })
        .collect();
    Ok(Changes { horizon, changes })
}

/// Forgets the changes older than `before`: an index that has not caught up since then is built
/// again rather than caught up (`search_index`).
pub async fn forget_before(tx: &mut Tx<'_>, before: DateTime<Utc>) -> QueryResult<usize> {
    diesel::sql_query("DELETE FROM search_changes WHERE changed_at < $1")
        .bind::<diesel::sql_types::Timestamptz, _>(before)
        .execute(tx)
        .await
}
