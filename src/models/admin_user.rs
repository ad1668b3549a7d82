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
    diesel::update(dsl::admin_users.find(id))
        .set(changes)
        .returning(AdminUser::as_returning())
        .get_result(&mut **tx)
        .await
}

pub async fn touch_last_login(tx: &mut Tx<'_>, id: i64) -> QueryResult<()> {
    diesel::update(dsl::admin_users.find(id))
        .set(dsl::last_login_at.eq(diesel::dsl::now))
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// The role and disabled flag of a token's user, read on every authenticated request so that
/// disabling or demoting a user takes effect at once.
pub async fn access(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<(Role, bool)>> {
    dsl::admin_users
        .find(id)
        .select((dsl::role, dsl::disabled))
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
