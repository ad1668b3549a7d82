//! The `admin_users` table: editors and admins who hold tokens.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::Tx;
use crate::domain::Role;
use crate::schema::admin_users::{self, dsl};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = admin_users, check_for_backend(diesel::pg::Pg))]
pub struct AdminUser {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
    /// Tokens issued before this are refused.
    pub tokens_valid_after: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = admin_users)]
pub struct NewAdminUser {
    /// Lowercased.
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = admin_users)]
pub struct AdminUserChangeset {
    pub display_name: Option<String>,
    pub password_hash: Option<String>,
    pub role: Option<Role>,
    pub disabled: Option<bool>,
}

impl AdminUserChangeset {
    /// True when it would change nothing (diesel refuses to build an empty UPDATE).
    pub fn is_empty(&self) -> bool {
        self.display_name.is_none()
            && self.password_hash.is_none()
            && self.role.is_none()
            && self.disabled.is_none()
    }

    /// Whether the user's tokens die with this change to `before`: a new password, or being
    /// disabled or re-enabled. (A role change needs nothing: the role is read on every request.)
    pub fn revokes_tokens(&self, before: &AdminUser) -> bool {
        self.password_hash.is_some() || self.disabled.is_some_and(|d| d != before.disabled)
    }
}

/// The next whole second, by the database's clock: tokens (whose `iat` is in whole seconds)
/// issued before it are refused, and new ones are issued no earlier than it.
fn next_second() -> diesel::expression::SqlLiteral<diesel::sql_types::Timestamptz> {
    diesel::dsl::sql("date_trunc('second', now()) + interval '1 second'")
}

pub async fn find_by_email(
    conn: &mut AsyncPgConnection,
    email_lower: &str,
) -> QueryResult<Option<AdminUser>> {
    dsl::admin_users
        .filter(dsl::email.eq(email_lower))
        .select(AdminUser::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn find(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<AdminUser> {
    dsl::admin_users
        .find(id)
        .select(AdminUser::as_select())
        .first(conn)
        .await
}

/// The user, locked until the transaction ends (so what an update changed is known).
pub async fn find_for_update(tx: &mut Tx<'_>, id: i64) -> QueryResult<AdminUser> {
    dsl::admin_users
        .find(id)
        .select(AdminUser::as_select())
        .for_update()
        .first(&mut **tx)
        .await
}

/// Up to `limit` users with an id above `after_id`, by id.
pub async fn list(
    conn: &mut AsyncPgConnection,
    after_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AdminUser>> {
    dsl::admin_users
        .filter(dsl::id.gt(after_id.unwrap_or(0)))
        .order(dsl::id.asc())
        .limit(limit)
        .select(AdminUser::as_select())
        .load(conn)
        .await
}

pub async fn count(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    dsl::admin_users.count().get_result(conn).await
}

pub async fn insert(tx: &mut Tx<'_>, new: &NewAdminUser) -> QueryResult<AdminUser> {
    diesel::insert_into(admin_users::table)
        .values(new)
        .returning(AdminUser::as_returning())
        .get_result(&mut **tx)
        .await
}

/// Creates the user, or when the email exists resets its password and role and re-enables it
/// (the `admin create` command).
pub async fn upsert(tx: &mut Tx<'_>, new: &NewAdminUser) -> QueryResult<AdminUser> {
    diesel::insert_into(admin_users::table)
        .values(new)
        .on_conflict(dsl::email)
        .do_update()
        .set((
            dsl::password_hash.eq(&new.password_hash),
            dsl::role.eq(&new.role),
            dsl::disabled.eq(false),
            dsl::tokens_valid_after.eq(next_second()),
        ))
        .returning(AdminUser::as_returning())
        .get_result(&mut **tx)
        .await
}

pub async fn update(
    tx: &mut Tx<'_>,
    id: i64,
    changes: &AdminUserChangeset,
) -> QueryResult<AdminUser> {
    if changes.is_empty() {
        return find(tx, id).await;
    }
    let before = find_for_update(tx, id).await?;
    let updated = diesel::update(dsl::admin_users.find(id))
        .set(changes)
        .returning(AdminUser::as_returning())
        .get_result(&mut **tx)
        .await?;
    if changes.revokes_tokens(&before) {
        return revoke_tokens(tx, id).await;
    }
    Ok(updated)
}

/// Refuses every token the user holds now (sign-out-everywhere, and any password change).
pub async fn revoke_tokens(tx: &mut Tx<'_>, id: i64) -> QueryResult<AdminUser> {
    diesel::update(dsl::admin_users.find(id))
        .set(dsl::tokens_valid_after.eq(next_second()))
        .returning(AdminUser::as_returning())
        .get_result(&mut **tx)
        .await
}

/// Notes a successful login, storing the password's hash made again with today's parameters
/// when it had to be (the same password: the user's tokens stay valid).
pub async fn record_login(tx: &mut Tx<'_>, id: i64, rehashed: Option<&str>) -> QueryResult<()> {
    let target = dsl::admin_users.find(id);
    let done = match rehashed {
        Some(hash) => {
            diesel::update(target)
                .set((
                    dsl::last_login_at.eq(diesel::dsl::now),
                    dsl::password_hash.eq(hash),
                ))
                .execute(&mut **tx)
                .await
        }
        None => {
            diesel::update(target)
                .set(dsl::last_login_at.eq(diesel::dsl::now))
                .execute(&mut **tx)
                .await
        }
    };
    done.map(|_| ())
}

/// What a token's user may do now, read on every authenticated request so that disabling,
/// demoting or revoking takes effect at once.
#[derive(Debug, Clone, Copy, Queryable)]
pub struct Access {
    pub role: Role,
    pub disabled: bool,
    pub tokens_valid_after: DateTime<Utc>,
}

pub async fn access(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<Access>> {
    dsl::admin_users
        .find(id)
        .select((dsl::role, dsl::disabled, dsl::tokens_valid_after))
        .first(conn)
        .await
        .optional()
}

/// The display names of these users, in one query (for the bylines of a page of articles).
pub async fn display_names(
    conn: &mut AsyncPgConnection,
    ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, String>> {
    let rows: Vec<(i64, String)> = dsl::admin_users
        .filter(dsl::id.eq_any(ids))
        .select((dsl::id, dsl::display_name))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}
