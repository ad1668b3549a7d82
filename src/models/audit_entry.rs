//! The `audit_log` table: one row per write by an editor or admin, inserted in the write's own
//! transaction. The table is append-only (a trigger refuses UPDATE, DELETE and TRUNCATE), so
//! this module only inserts and reads.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use diesel::{
    dsl::sql,
    expression::SqlLiteral,
    prelude::*,
    sql_query,
    sql_types::{Array, BigInt, Nullable, Text},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::Tx;
use crate::domain::{AuditAction, ResourceType};
use crate::schema::audit_log;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log, check_for_backend(diesel::pg::Pg))]
pub struct AuditEntry {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: i64,
    pub actor_email: String,
    pub action: AuditAction,
    pub resource_type: ResourceType,
    pub resource_id: String,
    pub changed_fields: Vec<Option<String>>,
    /// The address alone (`host()`: an `inet` has no Rust type in this build).
    #[diesel(select_expression = sql::<Nullable<Text>>("host(audit_log.client_addr)"))]
    #[diesel(select_expression_type = SqlLiteral<Nullable<Text>>)]
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
}

/// What a write records about itself; the actor's email is read in the same statement.
#[derive(Debug)]
pub struct NewAuditEntry<'a> {
    pub actor_id: i64,
    pub action: AuditAction,
    pub resource_type: ResourceType,
    pub resource_id: &'a str,
    pub changed_fields: &'a [String],
    pub client_addr: Option<IpAddr>,
    pub request_id: Option<&'a str>,
}

/// Records a write, in its transaction. The actor's email is copied from `admin_users` by the
/// same statement, as it is now; false (and nothing recorded) when there is no such user.
pub async fn insert(tx: &mut Tx<'_>, new: &NewAuditEntry<'_>) -> QueryResult<bool> {
    sql_query(
        "INSERT INTO audit_log (actor_id, actor_email, action, resource_type, resource_id, \
                                changed_fields, client_addr, request_id) \
         SELECT id, email, $2, $3, $4, $5, CAST($6 AS inet), $7 FROM admin_users WHERE id = $1",
    )
    .bind::<BigInt, _>(new.actor_id)
    .bind::<Text, _>(new.action)
    .bind::<Text, _>(new.resource_type)
    .bind::<Text, _>(new.resource_id)
    .bind::<Array<Text>, _>(new.changed_fields)
    .bind::<Nullable<Text>, _>(new.client_addr.map(|a| a.to_string()))
    .bind::<Nullable<Text>, _>(new.request_id)
    .execute(&mut **tx)
    .await
    .map(|n| n == 1)
}

/// Which rows a list shows; every part is optional and they combine with AND.
#[derive(Debug, Default)]
pub struct Filter {
    pub actor_id: Option<i64>,
    /// Matched whole (addresses are stored lowercase).
    pub actor_email: Option<String>,
    pub action: Option<AuditAction>,
    pub resource_type: Option<ResourceType>,
    pub resource_id: Option<String>,
    /// From this time on (inclusive).
    pub since: Option<DateTime<Utc>>,
    /// Before this time (exclusive).
    pub until: Option<DateTime<Utc>>,
}

/// The keyset position of a row in the log's order (newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub occurred_at: DateTime<Utc>,
    pub id: i64,
}

fn filtered(f: &Filter) -> audit_log::BoxedQuery<'static, diesel::pg::Pg> {
    let mut query = audit_log::table.into_boxed();
    if let Some(id) = f.actor_id {
        query = query.filter(audit_log::actor_id.eq(id));
    }
    if let Some(email) = &f.actor_email {
        query = query.filter(audit_log::actor_email.eq(email.clone()));
    }
    if let Some(action) = f.action {
        query = query.filter(audit_log::action.eq(action));
    }
    if let Some(kind) = f.resource_type {
        query = query.filter(audit_log::resource_type.eq(kind));
    }
    if let Some(id) = &f.resource_id {
        query = query.filter(audit_log::resource_id.eq(id.clone()));
    }
    if let Some(since) = f.since {
        query = query.filter(audit_log::occurred_at.ge(since));
    }
    if let Some(until) = f.until {
        query = query.filter(audit_log::occurred_at.lt(until));
    }
    query
}

/// Up to `limit` rows, newest first, after `after` (the indexes lead with each filter and end
/// with the order).
pub async fn list(
    conn: &mut AsyncPgConnection,
    f: &Filter,
    after: Option<Position>,
    limit: i64,
) -> QueryResult<Vec<AuditEntry>> {
    let mut query = filtered(f)
        .select(AuditEntry::as_select())
        .order((audit_log::occurred_at.desc(), audit_log::id.desc()))
        .limit(limit);
    if let Some(p) = after {
        query = query.filter(
            audit_log::occurred_at.le(p.occurred_at).and(
                audit_log::occurred_at
                    .lt(p.occurred_at)
                    .or(audit_log::id.lt(p.id)),
            ),
        );
    }
    query.load(conn).await
}

pub async fn count(conn: &mut AsyncPgConnection, f: &Filter) -> QueryResult<i64> {
    filtered(f).count().get_result(conn).await
}
