//! The directory of accredited perfusion programs (`accredited_programs`).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::Tx;
use crate::domain::AccreditationStatus;
use crate::schema::accredited_programs as programs;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = programs, check_for_backend(diesel::pg::Pg))]
pub struct Program {
    pub id: i64,
    pub name: String,
    pub institution: String,
    pub city: Option<String>,
    pub state: Option<String>,
    pub degree: Option<String>,
    pub url: Option<String>,
    pub accreditation_status: AccreditationStatus,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = programs)]
pub struct NewProgram {
    pub name: String,
    pub institution: String,
    pub city: Option<String>,
    pub state: Option<String>,
    pub degree: Option<String>,
    pub url: Option<String>,
    pub accreditation_status: AccreditationStatus,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = programs)]
pub struct ProgramChangeset {
    pub name: Option<String>,
    pub institution: Option<String>,
    pub city: Option<Option<String>>,
    pub state: Option<Option<String>>,
    pub degree: Option<Option<String>>,
    pub url: Option<Option<String>>,
    pub accreditation_status: Option<AccreditationStatus>,
}

/// Up to `limit` programs by (name, id) after `after`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    after: Option<(String, i64)>,
    limit: i64,
) -> QueryResult<Vec<Program>> {
    let mut query = programs::table
        .select(Program::as_select())
        .order((programs::name.asc(), programs::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some((name, id)) = after {
        query = query.filter(
            programs::name
                .gt(name.clone())
                .or(programs::name.eq(name).and(programs::id.gt(id))),
        );
    }
    query.load(conn).await
}

pub async fn count(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    programs::table.count().get_result(conn).await
}

pub async fn find(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Program> {
    programs::table
        .find(id)
        .select(Program::as_select())
        .first(conn)
        .await
}

pub async fn find_for_update(tx: &mut Tx<'_>, id: i64) -> QueryResult<Program> {
    programs::table
        .find(id)
        .select(Program::as_select())
        .for_update()
        .first(&mut **tx)
        .await
}

pub async fn insert(tx: &mut Tx<'_>, new: &NewProgram) -> QueryResult<Program> {
    diesel::insert_into(programs::table)
        .values(new)
        .returning(Program::as_returning())
        .get_result(&mut **tx)
        .await
}

pub async fn update(tx: &mut Tx<'_>, id: i64, changes: &ProgramChangeset) -> QueryResult<Program> {
    let empty = changes.name.is_none()
        && changes.institution.is_none()
        && changes.city.is_none()
        && changes.state.is_none()
        && changes.degree.is_none()
        && changes.url.is_none()
        && changes.accreditation_status.is_none();
    if empty {
        return find(tx, id).await;
    }
    diesel::update(programs::table.find(id))
        .set(changes)
        .returning(Program::as_returning())
        .get_result(&mut **tx)
        .await
}

pub async fn delete(tx: &mut Tx<'_>, id: i64) -> QueryResult<bool> {
    diesel::delete(programs::table.find(id))
        .execute(&mut **tx)
        .await
        .map(|n| n > 0)
}
